import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ROLLUP_SCHEDULE,
  RollupJob,
  type RollupJobProps,
} from '../../infra/constructs/rollup-job.ts';
import { createTokenledgerApp } from '../../infra/tokenledger-app.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { cfnString, type SynthesizedApp, stagedBundles, synthesizeApp } from './synth-app.ts';

// The scheduled rollup job of TokenledgerReports (infra/constructs/rollup-job.ts): its function, schedule,
// least-privilege role, dead-letter queue and alarms, its two settings, and cdk-nag. `built` is the app as
// `npx cdk deploy --all` builds it without context (bundled: the bundle is checked); `tuned` sets both settings as
// `-c` gives them (text); `kms` deploys the lake with `lakeEncryption=kms`.

let built: SynthesizedApp;
let tuned: SynthesizedApp;
let kms: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp();
  tuned = synthesizeApp({
    skipBundling: true,
    appProps: { context: { rollupSchedule: 'cron(45 1 * * ? *)', rollupLookbackDays: '31' } },
  });
  kms = synthesizeApp({ skipBundling: true, appProps: { context: { lakeEncryption: 'kms' } } });
});
afterAll(() => {
  built?.cleanup();
  tuned?.cleanup();
  kms?.cleanup();
});

// One cloud assembly directory for the apps that are built and never synthesized here.
const outdir = mkdtempSync(join(tmpdir(), 'tokenledger-rollup-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const logicalId = (app: SynthesizedApp, construct: IConstruct) =>
  app.reports.resolve(((construct.node.defaultChild ?? construct) as CfnElement).logicalId);

/** A value as the reports stack sees it, flattened as cdk-nag prints it. */
const flat = (app: SynthesizedApp, value: string) => cfnString(app.reports.resolve(value));

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every policy (inline or managed) attached to `role`, resources flattened. */
function statementsOf(app: SynthesizedApp, role: IConstruct) {
  const ref = { Ref: logicalId(app, role) };
  const policies = [
    ...Object.values(app.reportsTemplate.findResources('AWS::IAM::Policy')),
    ...Object.values(app.reportsTemplate.findResources('AWS::IAM::ManagedPolicy')),
  ].filter((p) => JSON.stringify(p.Properties.Roles ?? []).includes(JSON.stringify(ref)));
  return policies.flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).map((s) => {
      expect(s.Effect).toBe('Allow');
      return {
        actions: [s.Action].flat(),
        resources: [s.Resource].flat().map(cfnString),
        ...(s.Condition ? { conditions: s.Condition } : {}),
      };
    }),
  );
}

/** The rollup function's resource in the reports template. */
function rollupFunction(app: SynthesizedApp) {
  const resource = app.reportsTemplate.toJSON().Resources[logicalId(app, app.reports.rollupJob.function)];
  expect(resource?.Type).toBe('AWS::Lambda::Function');
  return resource.Properties;
}

describe('the rollup function', () => {
  it('runs on Node.js 24, arm64, 1024 MB, 15 min, from its own role, with the workgroup, database, bucket and lookback', () => {
    const { data } = built;
    const job = built.reports.rollupJob;
    expect(rollupFunction(built)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 900,
      Role: { 'Fn::GetAtt': [logicalId(built, job.role), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logicalId(built, job.logGroup) } },
      Environment: {
        Variables: {
          ATHENA_WORKGROUP: 'tokenledger',
          GLUE_DATABASE: 'tokenledger',
          LAKE_BUCKET: built.reports.resolve(data.lakeBucket.bucketName),
          ROLLUP_LOOKBACK_DAYS: '7',
          POWERTOOLS_SERVICE_NAME: 'tokenledger-rollup',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    expect(rollupFunction(built).ReservedConcurrentExecutions).toBeUndefined();
    expect(rollupFunction(built).Environment.Variables.REPORT_KIND).toBeUndefined();
  });

  it('is one minified ESM bundle of lambdas/rollup-job/handler.ts, with queries/rollups/*.sql next to it', () => {
    const bundles = stagedBundles(built.app.outdir, 'TokenledgerReports').filter((b) =>
      existsSync(join(dirname(b), 'queries', 'rollups')),
    );
    // the report jobs' bundle carries queries/rollups/ too, and queries/reports/
    const rollupBundles = bundles.filter((b) => !existsSync(join(dirname(b), 'queries', 'reports')));
    expect(rollupBundles).toHaveLength(1);
    const bundle = rollupBundles[0] as string;
    const code = readFileSync(bundle, 'utf8');
    expect(code).toMatch(/export\s*\{[^}]*handler/);
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    for (const banned of ['@duckdb/node-api', 'aws-cdk-lib', 's3rver', 'client-sesv2', 'client-dynamodb'])
      expect(code).not.toContain(banned);
    const repository = join(QUERIES_DIR, 'rollups');
    const shipped = join(dirname(bundle), 'queries', 'rollups');
    expect(readdirSync(shipped).sort()).toEqual(readdirSync(repository).sort());
    expect(readdirSync(repository)).toEqual(expect.arrayContaining(['state.sql', 'usage.sql']));
    for (const file of readdirSync(repository)) {
      expect(readFileSync(join(shipped, file), 'utf8'), file).toBe(
        readFileSync(join(repository, file), 'utf8'),
      );
    }
    expect(readdirSync(join(dirname(bundle), 'queries'))).toEqual(['rollups']);
  });
});

describe('the schedule', () => {
  it('runs daily at 00:30 UTC, no flexible window, with the scheduled time as input, retried into the DLQ', () => {
    const job = built.reports.rollupJob;
    expect(DEFAULT_ROLLUP_SCHEDULE).toBe('cron(30 0 * * ? *)');
    built.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 0 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalId(built, job.function), 'Arn'] },
        Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RoleArn: { 'Fn::GetAtt': [logicalId(built, job.schedulerRole), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(built, job.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('takes rollupSchedule and rollupLookbackDays from the context (the schedule stays in UTC)', () => {
    const job = tuned.reports.rollupJob;
    tuned.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(45 1 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: { Arn: { 'Fn::GetAtt': [logicalId(tuned, job.function), 'Arn'] } },
    });
    expect(rollupFunction(tuned).Environment.Variables.ROLLUP_LOOKBACK_DAYS).toBe('31');
    const paris = createTokenledgerApp({
      appProps: { outdir, context: { 'aws:cdk:bundling-stacks': [], reportsTimezone: 'Europe/Paris' } },
    });
    const schedule = paris.reports.rollupJob.schedule.node.defaultChild as unknown as {
      scheduleExpressionTimezone: string;
    };
    expect(schedule.scheduleExpressionTimezone).toBe('UTC');
  });

  it('invokes with a role that may invoke the function and write the DLQ, nothing else', () => {
    const { schedulerRole, function: fn, deadLetterQueue } = built.reports.rollupJob;
    expect(statementsOf(built, schedulerRole)).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: [flat(built, fn.functionArn)] },
      { actions: ['sqs:SendMessage'], resources: [flat(built, deadLetterQueue.queueArn)] },
    ]);
  });
});

describe('failures', () => {
  it('a failed run is retried twice within an hour, then goes to the dead-letter queue', () => {
    const { function: fn, deadLetterQueue } = built.reports.rollupJob;
    built.reportsTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(built, fn) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(built, deadLetterQueue), 'Arn'] } },
      },
    });
    const queue = built.reportsTemplate.toJSON().Resources[logicalId(built, deadLetterQueue)];
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86400,
    });
  });

  it('alarms on a failed attempt and on a run given up on, to the report alarm topic', () => {
    const { function: fn, deadLetterQueue, errorsAlarm, deadLetterAlarm } = built.reports.rollupJob;
    const topic = { Ref: logicalId(built, built.reports.alarmTopic.topic) };
    const alarms = built.reportsTemplate.toJSON().Resources;
    expect(alarms[logicalId(built, errorsAlarm)].Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(built, fn) } }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
      AlarmDescription: expect.stringMatching(/^tokenledger rollup job: a run failed/),
    });
    expect(alarms[logicalId(built, deadLetterAlarm)].Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(built, deadLetterQueue), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
      OKActions: [topic],
      AlarmDescription: expect.stringContaining('{"days":["YYYY-MM-DD"]}'),
    });
  });
});

describe('the rollup job role (least privilege)', () => {
  it('has exactly these statements: logs, its DLQ, Athena in the workgroup, Glue reads, the tables it reads, results, rollups/', () => {
    const job = built.reports.rollupJob;
    const lake = built.data.lakeBucket;
    const results = built.data.queryWorkgroup.resultsBucket;
    const prefixes = ['events/', 'costs/', 'prices/', 'rollups/'];
    const glue = (resource: string) => `arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:${resource}`;
    expect(statementsOf(built, job.role)).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [flat(built, job.logGroup.logGroupArn)],
      },
      {
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [flat(built, job.deadLetterQueue.queueArn)],
      },
      {
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
        ],
        resources: ['arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/tokenledger'],
      },
      {
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
        ],
        resources: [
          glue('catalog'),
          glue('database/tokenledger'),
          ...[...job.tableNames, ...job.viewNames].map((name) => glue(`table/tokenledger/${name}`)),
        ],
      },
      { actions: ['s3:GetObject'], resources: prefixes.map((p) => flat(built, lake.arnForObjects(`${p}*`))) },
      { actions: ['s3:GetBucketLocation'], resources: [flat(built, lake.bucketArn)] },
      {
        actions: ['s3:ListBucket'],
        resources: [flat(built, lake.bucketArn)],
        conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
      },
      {
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [flat(built, results.bucketArn)],
      },
      {
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [flat(built, results.arnForObjects('results/*'))],
      },
      {
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [flat(built, lake.arnForObjects('rollups/*'))],
      },
    ]);
  });

  it('reads, of the catalog, only what the rollup queries read: the events, price book, invoices and rolls, not revenue', () => {
    const job = built.reports.rollupJob;
    expect(job.tableNames).toEqual(['events', 'costs', 'prices', 'rollup_rolls']);
    expect(job.viewNames).toEqual(
      expect.arrayContaining([
        'events_dedup',
        'events_resolved',
        'long_context_thresholds',
        'model_aliases',
        'billed_tools',
        'usage_hourly_raw',
        'tool_calls_hourly_raw',
        'users_daily_raw',
        'customer_features_daily_raw',
        'rolled_days',
      ]),
    );
    for (const other of [
      'revenue',
      'revenue_effective',
      'margin_monthly',
      'waste_daily',
      'group_cost',
      'request_cost',
    ])
      expect([...job.tableNames, ...job.viewNames]).not.toContain(other);
  });

  it('has no wildcard action or resource, no SES, no DynamoDB, and deletes only under rollups/', () => {
    for (const app of [built, kms]) {
      const statements = statementsOf(app, app.reports.rollupJob.role);
      for (const { actions, resources } of statements) {
        expect(resources).not.toContain('*');
        for (const action of actions) {
          expect(action).not.toMatch(/\*/);
          expect(action).not.toMatch(/^(ses|dynamodb):/);
        }
      }
      const deletes = statements.filter((s) => s.actions.some((a) => /Delete/.test(a)));
      expect(deletes.flatMap((s) => s.resources)).toEqual([
        flat(app, app.data.lakeBucket.arnForObjects('rollups/*')),
      ]);
    }
  });

  it('with lakeEncryption=kms: may decrypt and generate data keys with the lake key, through S3 only', () => {
    const keyStatements = statementsOf(kms, kms.reports.rollupJob.role).filter((s) =>
      s.actions.some((a) => a.startsWith('kms:')),
    );
    expect(keyStatements).toEqual([
      {
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [flat(kms, kms.data.lakeKey?.keyArn as string)],
        conditions: { StringEquals: { 'kms:ViaService': expect.anything() } },
      },
    ]);
    expect(cfnString(keyStatements[0]?.conditions?.StringEquals?.['kms:ViaService'])).toBe(
      's3.<AWS::Region>.amazonaws.com',
    );
    expect(
      statementsOf(built, built.reports.rollupJob.role).some((s) =>
        s.actions.some((a) => a.startsWith('kms:')),
      ),
    ).toBe(false);
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged with the rollup settings and with lakeEncryption=kms', () => {
    for (const app of [tuned, kms]) {
      const violations = [new AwsSolutionsChecks(app.app), new ServerlessChecks(app.app)].flatMap((pack) =>
        pack
          .validateScope(app.app)
          .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
      );
      expect(violations).toEqual([]);
    }
  });
});

describe('settings: rollupSchedule and rollupLookbackDays', () => {
  const withContext = (context: Record<string, unknown>) =>
    createTokenledgerApp({ appProps: { outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } } });

  it('take cdk.json numbers as well as -c text', () => {
    const app = withContext({ rollupLookbackDays: 400, rollupSchedule: 'rate(12 hours)' });
    const template = Template.fromStack(app.reports);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROLLUP_LOOKBACK_DAYS: '400' }) },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(12 hours)' });
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { rollupSchedule: 'cron(30 0 * * *)' },
      "context rollupSchedule must be an EventBridge Scheduler expression 'cron(minutes hours day-of-month month day-of-week year)' with ? in exactly one of day-of-month and day-of-week, or 'rate(value unit)', got 'cron(30 0 * * *)'",
    ],
    [{ rollupSchedule: 'daily' }, 'context rollupSchedule must be an EventBridge Scheduler expression'],
    [{ rollupSchedule: 30 }, 'context rollupSchedule must be a string, got 30'],
    [{ rollupLookbackDays: '0' }, 'context rollupLookbackDays must be a whole number from 1 to 400, got 0'],
    [{ rollupLookbackDays: 401 }, 'context rollupLookbackDays must be a whole number from 1 to 400, got 401'],
    [
      { rollupLookbackDays: '2.5' },
      'context rollupLookbackDays must be a whole number from 1 to 400, got 2.5',
    ],
    [
      { rollupLookbackDays: 'seven' },
      'context rollupLookbackDays must be a whole number from 1 to 400, got "seven"',
    ],
    [{ rollupLookback: '7' }, 'context rollupLookback is not a report setting'],
  ])('%j fails synthesis, naming the key and quoting the value', (context, message) => {
    expect(() => withContext(context)).toThrow(message);
  });
});

describe('RollupJob props', () => {
  const rollupJob = (props: Partial<RollupJobProps>) => {
    const stack = new Stack(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    return new RollupJob(stack, 'Job', {
      sources: {
        lakeBucket: Bucket.fromBucketName(stack, 'Lake', 'lake'),
        databaseName: 'tokenledger',
        workGroupName: 'tokenledger',
        resultsBucket: Bucket.fromBucketName(stack, 'Results', 'results'),
        resultsPrefix: 'results/',
        tables: [{ tableName: 'events', prefix: 'events/' }],
        viewNames: [],
      },
      alarmTopic: new Topic(stack, 'Topic'),
      ...props,
    });
  };

  it('accepts the defaults', () => {
    expect(() => rollupJob({})).not.toThrow();
  });

  it.each<[Partial<RollupJobProps>, string]>([
    [{ lookbackDays: 0 }, 'RollupJob Job: lookbackDays must be an integer from 1 to 400, got 0'],
    [{ lookbackDays: 401 }, 'RollupJob Job: lookbackDays must be an integer from 1 to 400, got 401'],
    [{ schedule: 'daily' }, 'RollupJob Job: schedule must be an EventBridge Scheduler expression'],
    [{ timeZone: 'CEST' }, 'RollupJob Job: timeZone must be an IANA time zone'],
    [{ retryAttempts: 3 }, 'RollupJob Job: retryAttempts must be an integer from 0 to 2, got 3'],
    [{ timeout: Duration.minutes(16) }, 'RollupJob Job: timeout must be from 1 second to 15 minutes'],
  ])('refuses %j', (props, message) => {
    expect(() => rollupJob(props)).toThrow(message);
  });
});
