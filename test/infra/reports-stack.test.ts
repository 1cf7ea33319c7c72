import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, type CfnElement, Duration, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type CfnEmailIdentity, EmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportJob, ReportJobProps } from '../../infra/constructs/report-job.ts';
import { tokenledgerFunction } from '../../infra/constructs/tokenledger-function.ts';
import { DEFAULT_SCHEDULES, reportsSettingsFromContext } from '../../infra/stacks/reports-stack.ts';
import { createTokenledgerApp } from '../../infra/tokenledger-app.ts';
import { QUERIES_DIR, viewFiles, viewName } from '../../src/queries/query-files.ts';
import { REPORT_KINDS, type ReportKind } from '../../src/reports/report-period.ts';
import { reportJobInStack } from '../helpers/report-job-construct.ts';
import { cfnString, type SynthesizedApp, stagedBundles, synthesizeApp } from './synth-app.ts';

// The scheduled report jobs (TokenledgerReports) and the two DynamoDB tables of the data stack they use.
// `built` is the app as `npx cdk deploy --all` builds it without context (bundled: the bundle is checked);
// `mailing` is the same app with a sender, recipients for two of the four reports and other settings;
// `sandboxed` sends from an identity the account has already, in the SES sandbox, with the deploy-change
// thresholds and without reserved concurrency, every value given as text as `-c` gives it.

const MAILING_CONTEXT = {
  reportsFrom: 'reports@example.com',
  governanceRecipients: 'cto@example.com, audit@example.org',
  marginRecipients: ['finance@example.com'],
  reportsConfigurationSet: 'tokenledger-reports',
  reportsTimezone: 'Europe/Paris',
  wasteSchedule: 'cron(30 5 ? * MON *)',
  alarmEmail: 'ops@example.com',
};

const SANDBOXED_CONTEXT = {
  reportsFrom: 'Reports@Example.com',
  reportsIdentity: 'existing',
  reportsSandbox: 'true',
  governanceRecipients: 'cto@example.com,audit@example.org',
  marginRecipients: 'finance@example.com',
  governanceChangeThreshold: '0.3',
  governanceRateThreshold: '0.05',
  governanceMinRequests: '100',
  reportsReservedConcurrency: 'none',
};

let built: SynthesizedApp;
let mailing: SynthesizedApp;
let sandboxed: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp();
  mailing = synthesizeApp({ skipBundling: true, appProps: { context: MAILING_CONTEXT } });
  sandboxed = synthesizeApp({ skipBundling: true, appProps: { context: SANDBOXED_CONTEXT } });
});
afterAll(() => {
  built.cleanup();
  mailing.cleanup();
  sandboxed.cleanup();
});

// One cloud assembly directory for the apps that are built and never synthesized here.
const outdir = mkdtempSync(join(tmpdir(), 'tokenledger-reports-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function logicalId(app: SynthesizedApp, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return app.reports.resolve(element.logicalId);
}

function job(app: SynthesizedApp, kind: ReportKind): ReportJob {
  return app.reports.jobs[kind];
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the policies attached to a role of the reports stack, resources as cdk-nag prints them. */
function statementsOf(
  app: SynthesizedApp,
  role: IConstruct,
): { actions: string[]; resources: string[]; conditions?: Statement['Condition'] }[] {
  // The role's inline policies, and the managed policies CDK splits a large one into (attached to the role).
  const roles = [{ Ref: logicalId(app, role) }];
  const policies = {
    ...app.reportsTemplate.findResources('AWS::IAM::Policy', { Properties: { Roles: roles } }),
    ...app.reportsTemplate.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: roles } }),
  };
  return Object.values(policies).flatMap((p) =>
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

/** The resources a role may use `action` on. */
function resourcesFor(app: SynthesizedApp, role: IConstruct, action: string): string[] {
  return statementsOf(app, role)
    .filter((s) => s.actions.includes(action))
    .flatMap((s) => s.resources)
    .sort();
}

/** A value of another stack (or this one) as the reports stack sees it, flattened. */
function flat(app: SynthesizedApp, value: string): string {
  return cfnString(app.reports.resolve(value));
}

/** The ARN of the SES identity `name` in the reports stack (its account and region), flattened. */
function identityArn(app: SynthesizedApp, name: string): string {
  return flat(app, app.reports.formatArn({ service: 'ses', resource: 'identity', resourceName: name }));
}

/** The environment variables of a report function in the reports stack's template. */
function environmentOf(template: Template, kind: ReportKind): Record<string, unknown> {
  const functions = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { REPORT_KIND: kind } } },
    }),
  );
  expect(functions).toHaveLength(1);
  return functions[0]?.Properties.Environment.Variables as Record<string, unknown>;
}

/** The reserved concurrency of each report function, by kind, and of the rollup job (undefined: none reserved). */
function reservedConcurrency(template: Template): Record<string, unknown> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  return Object.fromEntries(
    functions.map((fn) => [
      fn.Properties.Environment.Variables.REPORT_KIND ?? 'rollup',
      fn.Properties.ReservedConcurrentExecutions,
    ]),
  );
}

describe('report functions', () => {
  it('are four, one per report kind, each with REPORT_KIND and the workgroup, database, bucket and tables', () => {
    expect(REPORT_KINDS).toEqual(['governance', 'waste', 'margin', 'alerts']);
    // and the rollup job's function (test/infra/rollup-job.test.ts)
    built.reportsTemplate.resourceCountIs('AWS::Lambda::Function', 5);
    for (const kind of REPORT_KINDS) {
      const { data } = built;
      built.reportsTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(
          kind === 'alerts'
            ? '^tokenledger spend alerts: .*email when flagged, SNS page when critical'
            : `^tokenledger ${kind} report`,
        ),
        Environment: {
          Variables: {
            REPORT_KIND: kind,
            ATHENA_WORKGROUP: 'tokenledger',
            GLUE_DATABASE: 'tokenledger',
            LAKE_BUCKET: built.reports.resolve(data.lakeBucket.bucketName),
            REGISTRY_TABLE: built.reports.resolve(data.promptRegistryTable.tableName),
            DELIVERIES_TABLE: built.reports.resolve(data.reportDeliveriesTable.tableName),
            MAIL_FROM: Match.absent(),
            MAIL_TO: '',
            DEPLOY_CHANGE_RELATIVE: Match.absent(),
            DEPLOY_CHANGE_RATE_POINTS: Match.absent(),
            DEPLOY_CHANGE_MIN_REQUESTS: Match.absent(),
            ALERT_FACTOR: Match.absent(),
            ALERT_MIN_COST: Match.absent(),
            ALERT_CRITICAL_COST: Match.absent(),
            ALERT_RUNAWAY_FACTOR: Match.absent(),
            // the spend alerts job pages its critical findings; no other job has a page topic
            PAGE_TOPIC_ARN:
              kind === 'alerts' ? { Ref: logicalId(built, built.reports.pageTopic.topic) } : Match.absent(),
            POWERTOOLS_SERVICE_NAME: `tokenledger-report-${kind}`,
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    }
  });

  it('run on Node.js 24, arm64, 512 MB, 10 min, without reserved concurrency (a fresh account cannot), from their own role', () => {
    for (const kind of REPORT_KINDS) {
      const { function: fn, role, logGroup } = job(built, kind);
      const [resource] = Object.values(
        built.reportsTemplate.findResources('AWS::Lambda::Function', {
          Properties: { Role: { 'Fn::GetAtt': [logicalId(built, role), 'Arn'] } },
        }),
      );
      expect(resource?.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 600,
        LoggingConfig: { LogGroup: { Ref: logicalId(built, logGroup) } },
      });
      expect(resource?.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(logicalId(built, fn)).toMatch(/Report/);
    }
    built.reportsTemplate.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    built.reportsTemplate.resourceCountIs('AWS::Logs::LogGroup', 5); // and the rollup job's
  });

  it('have roles without AWS-managed policies', () => {
    const roles = built.reportsTemplate.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(10); // a function role and a scheduler role per job, the rollup job's too
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('schedules', () => {
  it.each(REPORT_KINDS)(
    '%s: runs on its default schedule in UTC, no flexible window, with the scheduled time as input',
    (kind) => {
      built.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: DEFAULT_SCHEDULES[kind],
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [logicalId(built, job(built, kind).function), 'Arn'] },
          Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
          RoleArn: { 'Fn::GetAtt': [logicalId(built, job(built, kind).schedulerRole), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [logicalId(built, job(built, kind).deadLetterQueue), 'Arn'] },
          },
        },
      });
    },
  );

  it('defaults: governance daily 06:00, waste daily 06:15, margin on the 3rd of the month at 07:00, spend alerts daily 01:30', () => {
    expect(DEFAULT_SCHEDULES).toEqual({
      governance: 'cron(0 6 * * ? *)',
      waste: 'cron(15 6 * * ? *)',
      margin: 'cron(0 7 3 * ? *)',
      alerts: 'cron(30 1 * * ? *)',
    });
    built.reportsTemplate.resourceCountIs('AWS::Scheduler::Schedule', 5); // and the rollup job's
  });

  it('take the schedule and time zone from the context', () => {
    mailing.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 5 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: { Arn: { 'Fn::GetAtt': [logicalId(mailing, job(mailing, 'waste').function), 'Arn'] } },
    });
    mailing.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: DEFAULT_SCHEDULES.margin,
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
  });

  it('invoke with a role the scheduler of this account alone may assume, that may invoke its function and write its DLQ, nothing else', () => {
    for (const kind of REPORT_KINDS) {
      const { schedulerRole, function: fn, deadLetterQueue } = job(built, kind);
      expect(statementsOf(built, schedulerRole)).toEqual([
        { actions: ['lambda:InvokeFunction'], resources: [flat(built, fn.functionArn)] },
        { actions: ['sqs:SendMessage'], resources: [flat(built, deadLetterQueue.queueArn)] },
      ]);
    }
    built.reportsTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }),
              },
            },
          }),
        ],
      },
    });
    // Role-based invocation: no resource policy on the functions.
    built.reportsTemplate.resourceCountIs('AWS::Lambda::Permission', 0);
  });
});

describe('failures: retries, dead-letter queue, alarms', () => {
  it.each(REPORT_KINDS)('%s: a failed run is retried twice within an hour, then goes to the DLQ', (kind) => {
    const { function: fn, deadLetterQueue } = job(built, kind);
    built.reportsTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(built, fn) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(built, deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('the function may write its DLQ (the on-failure destination), and only its own', () => {
    for (const kind of REPORT_KINDS) {
      const { role, deadLetterQueue } = job(built, kind);
      expect(resourcesFor(built, role, 'sqs:SendMessage')).toEqual([flat(built, deadLetterQueue.queueArn)]);
    }
  });

  it('the dead-letter queues are encrypted (SSE-SQS), refuse requests without TLS and keep messages 14 days', () => {
    built.reportsTemplate.resourceCountIs('AWS::SQS::Queue', 5); // and the rollup job's
    const queues = built.reportsTemplate.findResources('AWS::SQS::Queue');
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86400);
    }
    for (const kind of REPORT_KINDS) {
      built.reportsTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(built, job(built, kind).deadLetterQueue) }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ],
        },
      });
    }
  });

  it.each(REPORT_KINDS)(
    '%s: alarms on a failed attempt and on a run given up on, to the alarm topic',
    (kind) => {
      const { function: fn, deadLetterQueue } = job(built, kind);
      const topic = { Ref: logicalId(built, built.reports.alarmTopic.topic) };
      built.reportsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
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
      });
      built.reportsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
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
        AlarmDescription: Match.stringLikeRegexp(kind === 'margin' ? 'YYYY-MM"' : 'YYYY-MM-DD"'),
      });
    },
  );

  it('the alarm topic is KMS-encrypted (rotating key CloudWatch may use) and refuses publishing without TLS', () => {
    built.reportsTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 10); // and the rollup job's two
    built.reportsTemplate.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(built, built.reports.alarmTopic.topicKey), 'Arn'] },
    });
    // two keys now: the alarm topic's, and the spend alerts page topic's (tested below)
    built.reportsTemplate.resourceCountIs('AWS::KMS::Key', 2);
    const alarmKey =
      built.reportsTemplate.findResources('AWS::KMS::Key')[
        logicalId(built, built.reports.alarmTopic.topicKey)
      ];
    expect(alarmKey?.Properties).toMatchObject({
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    built.reportsTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('the alarm topic has the alarmEmail subscription when the context sets one', () => {
    built.reportsTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    mailing.reportsTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('report job permissions', () => {
  it('no statement allows resource * or a service wildcard action', () => {
    for (const app of [built, mailing]) {
      for (const kind of REPORT_KINDS) {
        for (const { actions, resources } of statementsOf(app, job(app, kind).role)) {
          expect(resources).not.toContain('*');
          for (const action of actions) expect(action).not.toMatch(/\*/);
        }
      }
    }
  });

  it('runs Athena queries in the tokenledger workgroup only', () => {
    for (const kind of REPORT_KINDS) {
      const athena = statementsOf(built, job(built, kind).role).filter((s) =>
        s.actions.some((a) => a.startsWith('athena:')),
      );
      expect(athena).toEqual([
        {
          actions: [
            'athena:StartQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:StopQueryExecution',
          ],
          resources: [flat(built, job(built, kind).workGroupArn)],
        },
      ]);
      expect(athena[0]?.resources[0]).toMatch(/:workgroup\/tokenledger$/);
    }
  });

  it('reads the catalog entries of the lake tables and views by name (read-only Glue actions, no wildcard)', () => {
    const names = [
      ...built.data.lakeTables.map((t) => t.tableName),
      ...viewFiles().map((v) => viewName(v.sql)),
    ];
    expect(names).toEqual(
      expect.arrayContaining(['events', 'costs', 'prices', 'revenue', 'events_dedup', 'request_cost']),
    );
    for (const kind of REPORT_KINDS) {
      const glue = statementsOf(built, job(built, kind).role).filter((s) =>
        s.actions.some((a) => a.startsWith('glue:')),
      );
      expect(glue).toHaveLength(1);
      expect(glue[0]?.actions.every((a) => /^glue:(Get|BatchGet)/.test(a))).toBe(true);
      const tables = (glue[0]?.resources ?? []).filter((r) => r.includes(':table/'));
      // revenue and revenue_effective only for the margin report
      const mine = names.filter((n) => kind === 'margin' || !n.startsWith('revenue'));
      expect(tables.map((r) => r.replace(/^.*:table\/tokenledger\//, '')).sort()).toEqual([...mine].sort());
      expect(
        glue[0]?.resources
          .filter((r) => !r.includes(':table/'))
          .map((r) => /:(catalog|database\/.+)$/.exec(r)?.[1]),
      ).toEqual(['catalog', 'database/tokenledger']);
    }
  });

  it('reads the lake under the tables prefixes only, and the workgroup results; writes reports/<kind>/ and the rollups only', () => {
    const lake = built.data.lakeBucket;
    const results = built.data.queryWorkgroup.resultsBucket;
    for (const kind of REPORT_KINDS) {
      const { role } = job(built, kind);
      const prefixes = [
        'events/',
        'costs/',
        'prices/',
        ...(kind === 'margin' ? ['revenue/'] : []),
        'rollups/',
      ];
      expect(resourcesFor(built, role, 's3:GetObject')).toEqual(
        [
          ...prefixes.map((p) => flat(built, lake.arnForObjects(`${p}*`))),
          flat(built, results.arnForObjects('results/*')),
        ].sort(),
      );
      const rollupObjects = [flat(built, lake.arnForObjects('rollups/*'))];
      expect(resourcesFor(built, role, 's3:PutObject')).toEqual(
        [
          flat(built, lake.arnForObjects(`reports/${kind}/*`)),
          flat(built, results.arnForObjects('results/*')),
          ...rollupObjects,
        ].sort(),
      );
      // deleting only a day's older rolls
      expect(resourcesFor(built, role, 's3:DeleteObject')).toEqual(rollupObjects);
      expect(resourcesFor(built, role, 's3:ListBucket')).toEqual(
        [flat(built, lake.bucketArn), flat(built, results.bucketArn)].sort(),
      );
      // on the lake, listing only the prefixes of the tables it reads
      const listLake = statementsOf(built, role).find(
        (s) => s.actions.includes('s3:ListBucket') && s.resources.includes(flat(built, lake.bucketArn)),
      );
      expect(listLake?.conditions).toEqual({ StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } });
      const s3 = statementsOf(built, role).flatMap((s) => s.actions.filter((a) => a.startsWith('s3:')));
      for (const action of s3.filter((a) => a !== 's3:DeleteObject')) {
        expect(action).not.toMatch(/Delete|Acl|Tagging|Policy/);
      }
    }
  });

  it('governance reads the prompt registry (Scan, Query, GetItem) and nothing else of it; the others not at all', () => {
    for (const kind of REPORT_KINDS) {
      const registry = flat(built, built.data.promptRegistryTable.tableArn);
      const statements = statementsOf(built, job(built, kind).role).filter((s) =>
        s.resources.includes(registry),
      );
      expect(statements).toEqual(
        kind === 'governance'
          ? [{ actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'], resources: [registry] }]
          : [],
      );
    }
  });

  it('without recipients: no SES permission, no deliveries ledger (but the alerts job, which claims its pages in it), and no SES identity', () => {
    const deliveries = flat(built, built.data.reportDeliveriesTable.tableArn);
    for (const kind of REPORT_KINDS) {
      const statements = statementsOf(built, job(built, kind).role);
      const actions = statements.flatMap((s) => s.actions);
      expect(actions.filter((a) => a.startsWith('ses:'))).toEqual([]);
      // Each page of the spend alerts is claimed once in the deliveries ledger, even with no one to email.
      expect(statements.filter((s) => s.resources.includes(deliveries))).toEqual(
        kind === 'alerts'
          ? [
              {
                actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
                resources: [deliveries],
              },
            ]
          : [],
      );
      if (kind !== 'alerts') expect(actions).not.toContain('dynamodb:PutItem');
    }
    built.reportsTemplate.resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(built.reports.emailIdentity).toBeUndefined();
  });

  it('with recipients: sends from the SES identity (and configuration set) and uses the deliveries ledger', () => {
    const identity = mailing.reports.emailIdentity;
    expect(identity).toBeDefined();
    const configurationSet = flat(
      mailing,
      mailing.reports.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: 'tokenledger-reports',
      }),
    );
    const deliveries = flat(mailing, mailing.data.reportDeliveriesTable.tableArn);
    for (const kind of ['governance', 'margin'] as const) {
      const statements = statementsOf(mailing, job(mailing, kind).role);
      expect(statements).toContainEqual({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [flat(mailing, identity?.emailIdentityArn as string), configurationSet],
        // only as the configured sender (issue 13: no ses:FromAddress condition before)
        conditions: { StringEquals: { 'ses:FromAddress': MAILING_CONTEXT.reportsFrom } },
      });
      expect(statements).toContainEqual({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [deliveries],
      });
    }
    // The waste report has no recipients here: it is written, not emailed, and may not send.
    const waste = statementsOf(mailing, job(mailing, 'waste').role).flatMap((s) => s.actions);
    expect(waste.filter((a) => a.startsWith('ses:') || a === 'dynamodb:PutItem')).toEqual([]);
    // Nor the spend alerts: no SES, though it keeps the ledger for its pages.
    const alerts = statementsOf(mailing, job(mailing, 'alerts').role);
    expect(alerts.flatMap((s) => s.actions).filter((a) => a.startsWith('ses:'))).toEqual([]);
    expect(alerts).toContainEqual({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [deliveries],
    });
  });

  it('with recipients: MAIL_FROM, MAIL_TO and SES_CONFIGURATION_SET in the environment', () => {
    const env = (kind: ReportKind) => {
      const [fn] = Object.values(
        mailing.reportsTemplate.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: { REPORT_KIND: kind } } },
        }),
      );
      return fn?.Properties.Environment.Variables as Record<string, unknown>;
    };
    expect(env('governance')).toMatchObject({
      MAIL_FROM: 'reports@example.com',
      MAIL_TO: 'cto@example.com,audit@example.org',
      SES_CONFIGURATION_SET: 'tokenledger-reports',
    });
    expect(env('margin')).toMatchObject({ MAIL_TO: 'finance@example.com' });
    expect(env('waste')).toMatchObject({ MAIL_FROM: 'reports@example.com', MAIL_TO: '' });
    expect(env('waste').SES_CONFIGURATION_SET).toBeUndefined();
  });
});

describe('SES identity', () => {
  it("is the sender's domain by default, with its three DKIM records as stack outputs", () => {
    mailing.reportsTemplate.resourceCountIs('AWS::SES::EmailIdentity', 1);
    mailing.reportsTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.com',
    });
    const outputs = mailing.reportsTemplate.findOutputs('*', {
      Description: Match.stringLikeRegexp('^DKIM record'),
    });
    expect(Object.keys(outputs).sort()).toEqual([
      'SenderDkimRecord1',
      'SenderDkimRecord2',
      'SenderDkimRecord3',
    ]);
  });

  it('is the address itself with reportsIdentity=address (no DNS records)', () => {
    const { reports } = createTokenledgerApp({
      appProps: {
        outdir,
        context: {
          'aws:cdk:bundling-stacks': [],
          reportsFrom: 'Reports@Example.com',
          reportsIdentity: 'address',
        },
      },
    });
    const identity = reports.emailIdentity?.node.defaultChild as CfnEmailIdentity;
    expect(identity.emailIdentity).toBe('Reports@Example.com');
    expect(reports.node.children.filter((c) => c.node.id.startsWith('SenderDkim'))).toEqual([]);
  });
});

describe('an SES identity the account has already (reportsIdentity=existing)', () => {
  it('is not created: no EmailIdentity, no DKIM outputs', () => {
    sandboxed.reportsTemplate.resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(sandboxed.reports.emailIdentity).toBeUndefined();
    expect(Object.keys(sandboxed.reportsTemplate.findOutputs('*'))).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^SenderDkimRecord/)]),
    );
    expect(sandboxed.reports.senderIdentities.map((i) => i.emailIdentityName)).toEqual([
      'example.com',
      'Reports@Example.com',
    ]);
  });

  it("the jobs with recipients may send on the sender's domain and address identities (ARNs in this account and region)", () => {
    const domain = identityArn(sandboxed, 'example.com');
    const address = identityArn(sandboxed, 'Reports@Example.com');
    expect(domain).toBe('arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/example.com');
    for (const kind of ['governance', 'margin'] as const) {
      const resources = resourcesFor(sandboxed, job(sandboxed, kind).role, 'ses:SendEmail');
      expect(resources).toEqual(expect.arrayContaining([domain, address]));
      expect(resourcesFor(sandboxed, job(sandboxed, kind).role, 'ses:SendRawEmail')).toEqual(resources);
    }
    expect(resourcesFor(sandboxed, job(sandboxed, 'waste').role, 'ses:SendEmail')).toEqual([]);
    expect(environmentOf(sandboxed.reportsTemplate, 'governance')).toMatchObject({
      MAIL_FROM: 'Reports@Example.com',
      MAIL_TO: 'cto@example.com,audit@example.org',
    });
  });

  it('with reportsIdentity=address or domain the stack still creates the identity and sends on it only', () => {
    const identity = mailing.reports.emailIdentity as EmailIdentity;
    expect(identity).toBeInstanceOf(EmailIdentity);
    expect(mailing.reports.senderIdentities).toEqual([identity]);
  });
});

describe('the SES sandbox (reportsSandbox)', () => {
  it("grants send on each recipient's identity, per job its own recipients only", () => {
    const sender = [identityArn(sandboxed, 'example.com'), identityArn(sandboxed, 'Reports@Example.com')];
    expect(resourcesFor(sandboxed, job(sandboxed, 'governance').role, 'ses:SendEmail')).toEqual(
      [
        ...sender,
        identityArn(sandboxed, 'cto@example.com'),
        identityArn(sandboxed, 'audit@example.org'),
      ].sort(),
    );
    expect(resourcesFor(sandboxed, job(sandboxed, 'margin').role, 'ses:SendEmail')).toEqual(
      [...sender, identityArn(sandboxed, 'finance@example.com')].sort(),
    );
  });

  it('is off by default: the recipients are not granted', () => {
    for (const kind of ['governance', 'margin'] as const) {
      const resources = resourcesFor(mailing, job(mailing, kind).role, 'ses:SendEmail');
      expect(resources).toHaveLength(2); // the domain identity and the configuration set
      for (const resource of resources) expect(resource).not.toMatch(/identity\/[^/]*@/);
    }
  });

  it('also with an identity the stack creates, and with a configuration set', () => {
    const { reports } = createTokenledgerApp({
      appProps: {
        outdir,
        context: {
          'aws:cdk:bundling-stacks': [],
          reportsFrom: 'reports@example.com',
          reportsSandbox: true,
          reportsConfigurationSet: 'set-1',
          wasteRecipients: ['ops@example.com'],
        },
      },
    });
    const template = Template.fromStack(reports);
    // Inline policies, and the managed ones CDK splits a large policy into.
    const policies = {
      ...template.findResources('AWS::IAM::Policy'),
      ...template.findResources('AWS::IAM::ManagedPolicy'),
    };
    const [statement] = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((st) => [st.Action].flat().includes('ses:SendEmail'));
    const resources = [statement?.Resource].flat().map((r) => cfnString(reports.resolve(r)));
    const arn = (resource: string, name: string) =>
      cfnString(reports.resolve(reports.formatArn({ service: 'ses', resource, resourceName: name })));
    expect(resources).toEqual([
      cfnString(reports.resolve(reports.emailIdentity?.emailIdentityArn)),
      arn('identity', 'ops@example.com'),
      arn('configuration-set', 'set-1'),
    ]);
  });
});

describe('deploy-change thresholds (governanceChangeThreshold, governanceRateThreshold, governanceMinRequests)', () => {
  it("are the governance function's DEPLOY_CHANGE_* variables", () => {
    expect(environmentOf(sandboxed.reportsTemplate, 'governance')).toMatchObject({
      DEPLOY_CHANGE_RELATIVE: '0.3',
      DEPLOY_CHANGE_RATE_POINTS: '0.05',
      DEPLOY_CHANGE_MIN_REQUESTS: '100',
    });
    for (const kind of ['waste', 'margin'] as const) {
      expect(Object.keys(environmentOf(sandboxed.reportsTemplate, kind))).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^DEPLOY_CHANGE_/)]),
      );
    }
  });

  it('set only those given (numbers from cdk.json), leaving the others to the defaults of the code', () => {
    const { reports } = createTokenledgerApp({
      appProps: {
        outdir,
        context: { 'aws:cdk:bundling-stacks': [], governanceMinRequests: 20, governanceRateThreshold: 0 },
      },
    });
    const env = environmentOf(Template.fromStack(reports), 'governance');
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('DEPLOY_CHANGE_'))
        .sort(),
    ).toEqual(['DEPLOY_CHANGE_MIN_REQUESTS', 'DEPLOY_CHANGE_RATE_POINTS']);
    expect(env).toMatchObject({ DEPLOY_CHANGE_MIN_REQUESTS: '20', DEPLOY_CHANGE_RATE_POINTS: '0' });
  });
});

describe('the spend alerts job', () => {
  /** The reports stack of the app built with `context` (as `-c` gives it), and its template. */
  const reportsWith = (context: Record<string, unknown>) => {
    const { reports } = createTokenledgerApp({
      appProps: { outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } },
    });
    return { reports, template: Template.fromStack(reports) };
  };
  /** A resource's `Fn::GetAtt` Arn, or its `Ref`, in its own stack. */
  const ref = (construct: IConstruct) => ({
    Ref: Stack.of(construct).resolve(((construct.node.defaultChild ?? construct) as CfnElement).logicalId),
  });
  const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [ref(construct).Ref, 'Arn'] });
  const alertVariables = (env: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('ALERT_')));

  it('runs daily at 01:30 UTC by default, or on -c alertsSchedule, always read in UTC (its day is a UTC day)', () => {
    built.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({ Arn: arnOf(job(built, 'alerts').function) }),
    });
    // reportsTimezone Europe/Paris: 01:30 there is 23:30 UTC in summer, the day before in UTC — a day late
    mailing.reportsTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({ Arn: arnOf(job(mailing, 'alerts').function) }),
    });
    const { reports, template } = reportsWith({
      alertsSchedule: 'cron(0 2 ? * MON-FRI *)',
      reportsTimezone: 'America/New_York',
    });
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((r) => ({
      expression: r.Properties.ScheduleExpression,
      timeZone: r.Properties.ScheduleExpressionTimezone,
      target: r.Properties.Target.Arn,
    }));
    expect(schedules).toContainEqual({
      expression: 'cron(0 2 ? * MON-FRI *)',
      timeZone: 'UTC',
      target: arnOf(reports.jobs.alerts.function),
    });
    // the other jobs keep their defaults
    expect(schedules).toContainEqual({
      expression: DEFAULT_SCHEDULES.governance,
      timeZone: 'America/New_York',
      target: arnOf(reports.jobs.governance.function),
    });
    expect(schedules.filter((x) => x.expression === 'cron(0 2 ? * MON-FRI *)')).toHaveLength(1);
    expect(() => reportsWith({ alertsSchedule: 'cron(30 1 * * *)' })).toThrow(
      "context alertsSchedule must be an EventBridge Scheduler expression 'cron(minutes hours",
    );
  });

  it('has an ALERT_* variable for each threshold set, and only for those, on the alerts function only', () => {
    expect(alertVariables(environmentOf(built.reportsTemplate, 'alerts'))).toEqual({});
    const { template } = reportsWith({ alertsFactor: '3', alertsCriticalCost: 250 });
    expect(alertVariables(environmentOf(template, 'alerts'))).toEqual({
      ALERT_FACTOR: '3',
      ALERT_CRITICAL_COST: '250',
    });
    const all = reportsWith({
      alertsFactor: 1,
      alertsMinCost: '0',
      alertsCriticalCost: '50.5',
      alertsRunawayFactor: '0.5',
    }).template;
    expect(alertVariables(environmentOf(all, 'alerts'))).toEqual({
      ALERT_FACTOR: '1',
      ALERT_MIN_COST: '0',
      ALERT_CRITICAL_COST: '50.5',
      ALERT_RUNAWAY_FACTOR: '0.5',
    });
    for (const kind of ['governance', 'waste', 'margin'] as const) {
      expect(alertVariables(environmentOf(all, kind))).toEqual({});
    }
  });

  it('a bad threshold fails synthesis with a ValidationError naming the context key and the value', () => {
    let error: unknown;
    try {
      reportsWith({ alertsFactor: '0.5' });
    } catch (err) {
      error = err;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain('context alertsFactor must be a number ≥ 1, got "0.5"');
    expect(() => reportsWith({ alertsMinCost: '-1' })).toThrow(
      'context alertsMinCost must be a number of dollars ≥ 0, got "-1"',
    );
    expect(() => reportsWith({ alertsRunawayFactor: 0 })).toThrow(
      'context alertsRunawayFactor must be a number above 0, got 0',
    );
  });

  it('PAGE_TOPIC_ARN is the SpendAlertPages topic, whose ARN is the SpendAlertsTopicArn output', () => {
    const topic = built.reports.pageTopic.topic;
    expect(topic.node.path).toBe('TokenledgerReports/SpendAlertPages/Topic');
    expect(environmentOf(built.reportsTemplate, 'alerts').PAGE_TOPIC_ARN).toEqual(ref(topic));
    built.reportsTemplate.hasOutput('SpendAlertsTopicArn', {
      Value: ref(topic),
      Description: Match.stringLikeRegexp('subscribe your on-call'),
    });
    // A topic apart from the report jobs' alarm topic.
    expect(ref(topic)).not.toEqual(ref(built.reports.alarmTopic.topic));
    built.reportsTemplate.resourceCountIs('AWS::SNS::Topic', 2);
  });

  it('the page topic is KMS-encrypted with a rotating key of its own, and refuses publishing without TLS', () => {
    const { topic, topicKey } = built.reports.pageTopic;
    const topics = built.reportsTemplate.findResources('AWS::SNS::Topic');
    expect(topics[ref(topic).Ref]?.Properties).toEqual({
      DisplayName: 'tokenledger spend alerts',
      KmsMasterKeyId: arnOf(topicKey),
    });
    expect(ref(topicKey)).not.toEqual(ref(built.reports.alarmTopic.topicKey));
    const key = built.reportsTemplate.findResources('AWS::KMS::Key')[ref(topicKey).Ref];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    const policies = Object.values(
      built.reportsTemplate.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [ref(topic)] } }),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: ref(topic),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // The topic's own policy allows no one (CloudWatch alarms neither): only the alerts role's grant publishes.
    expect(statements.filter((st) => st.Effect === 'Allow')).toEqual([]);
    expect(JSON.stringify(key?.Properties.KeyPolicy)).not.toContain('cloudwatch.amazonaws.com');
  });

  it('-c alertsPageEmail subscribes the address to the page topic (not to the alarm topic); none by default', () => {
    const pageSubscriptions = (template: Template, topic: IConstruct) =>
      Object.values(
        template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: ref(topic) } }),
      ).map((r) => r.Properties);
    expect(pageSubscriptions(built.reportsTemplate, built.reports.pageTopic.topic)).toEqual([]);
    // alarmEmail is for the alarm topic only
    expect(pageSubscriptions(mailing.reportsTemplate, mailing.reports.pageTopic.topic)).toEqual([]);
    const { reports, template } = reportsWith({ alertsPageEmail: 'oncall@example.com' });
    expect(pageSubscriptions(template, reports.pageTopic.topic)).toEqual([
      { Protocol: 'email', TopicArn: ref(reports.pageTopic.topic), Endpoint: 'oncall@example.com' },
    ]);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    reportsWith({ alertsPageEmail: '' }).template.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(() => reportsWith({ alertsPageEmail: 'oncall' })).toThrow(
      "context alertsPageEmail must be an e-mail address, got 'oncall'",
    );
  });

  it('only the alerts role may publish to the page topic, and use its key: Decrypt and GenerateDataKey on it alone', () => {
    const topicArn = flat(built, built.reports.pageTopic.topic.topicArn);
    const keyArn = flat(built, built.reports.pageTopic.topicKey.keyArn);
    const alerts = statementsOf(built, job(built, 'alerts').role);
    expect(alerts.filter((st) => st.actions.some((a) => a.startsWith('sns:')))).toEqual([
      { actions: ['sns:Publish'], resources: [topicArn] },
    ]);
    expect(alerts.filter((st) => st.actions.some((a) => a.startsWith('kms:')))).toEqual([
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [keyArn] },
    ]);
    // No other identity policy of the stack names the topic or its key, nor allows sns:Publish.
    const alertsRole = ref(job(built, 'alerts').role);
    const others = Object.values({
      ...built.reportsTemplate.findResources('AWS::IAM::Policy'),
      ...built.reportsTemplate.findResources('AWS::IAM::ManagedPolicy'),
    }).filter(
      (p) => !(p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(alertsRole)),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const policy of others) {
      for (const st of policy.Properties.PolicyDocument.Statement as Statement[]) {
        expect([st.Action].flat().filter((a) => a.startsWith('sns:'))).toEqual([]);
        const resources = [st.Resource].flat().map(cfnString);
        expect(resources).not.toContain(topicArn);
        expect(resources).not.toContain(keyArn);
      }
    }
  });
});

describe('reserved concurrency (reportsReservedConcurrency)', () => {
  const reservedWith = (context: Record<string, unknown>) =>
    reservedConcurrency(
      Template.fromStack(
        createTokenledgerApp({ appProps: { outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } } })
          .reports,
      ),
    );

  it('is none by default (a fresh account cannot reserve), none with `none`, or the number given (text or number)', () => {
    // The rollup job too: with 1, a manual re-roll waits for the scheduled one.
    expect(reservedConcurrency(built.reportsTemplate)).toEqual({
      governance: undefined,
      waste: undefined,
      margin: undefined,
      alerts: undefined,
      rollup: undefined,
    });
    expect(reservedWith({ reportsReservedConcurrency: '1' })).toEqual({
      governance: 1,
      waste: 1,
      margin: 1,
      alerts: 1,
      rollup: 1,
    });
    expect(reservedConcurrency(sandboxed.reportsTemplate)).toEqual({
      governance: undefined,
      waste: undefined,
      margin: undefined,
      alerts: undefined,
      rollup: undefined,
    });
    expect(reservedWith({ reportsReservedConcurrency: '5' })).toEqual({
      governance: 5,
      waste: 5,
      margin: 5,
      alerts: 5,
      rollup: 5,
    });
    expect(reservedWith({ reportsReservedConcurrency: 1000 })).toEqual({
      governance: 1000,
      waste: 1000,
      margin: 1000,
      alerts: 1000,
      rollup: 1000,
    });
  });
});

describe('cdk-nag with every mail setting', () => {
  it('finds nothing unacknowledged in the app with an existing identity, the sandbox, thresholds and no reserved concurrency', () => {
    const report = new AwsSolutionsChecks(sandboxed.app).validateScope(sandboxed.app);
    const lines = report.violations.flatMap((violation) =>
      violation.violatingResources.map(
        (resource) => `${violation.severity} ${violation.ruleName} @ ${resource.constructPath}`,
      ),
    );
    expect(lines).toEqual([]);
  });
});

describe('the report job bundle', () => {
  it('is one minified ESM bundle for the four functions, with queries/reports/*.sql next to it', () => {
    // the report jobs' bundle and the rollup job's (test/infra/rollup-job.test.ts)
    const bundles = stagedBundles(built.app.outdir, 'TokenledgerReports');
    expect(bundles).toHaveLength(2);
    const reportBundles = bundles.filter((b) => existsSync(join(dirname(b), 'queries', 'reports')));
    expect(reportBundles).toHaveLength(1);
    const bundle = reportBundles[0] as string;
    const code = readFileSync(bundle, 'utf8');
    expect(code).toMatch(/export\s*\{[^}]*handler/);
    // Minified: long lines (the few line breaks are those inside template literals), and small.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code.length).toBeLessThan(500_000);
    for (const banned of ['@duckdb/node-api', 'aws-cdk-lib', 'dynalite', 's3rver'])
      expect(code).not.toContain(banned);

    const repository = join(QUERIES_DIR, 'reports');
    const shipped = join(dirname(bundle), 'queries', 'reports');
    const sqlFiles = readdirSync(repository)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(sqlFiles).toEqual(
      expect.arrayContaining([
        'margin.sql',
        'margin_totals.sql',
        'waste.sql',
        'prompt_groups.sql',
        'alerts_customers.sql',
        'alerts_features.sql',
      ]),
    );
    expect(readdirSync(shipped).sort()).toEqual(readdirSync(repository).sort());
    for (const file of sqlFiles) {
      expect(readFileSync(join(shipped, file), 'utf8'), file).toBe(
        readFileSync(join(repository, file), 'utf8'),
      );
    }
  });
});

describe('data stack: DynamoDB tables', () => {
  const tables = [
    {
      name: 'prompt registry',
      table: () => built.data.promptRegistryTable,
      keys: [
        { AttributeName: 'prompt_id', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
    },
    {
      name: 'report deliveries',
      table: () => built.data.reportDeliveriesTable,
      keys: [{ AttributeName: 'report_id', KeyType: 'HASH' }],
    },
  ];

  it.each(tables)(
    '$name: string keys, on-demand, AWS-managed encryption, PITR, deletion protection, retained',
    ({ table, keys }) => {
      const id = built.data.resolve((table().node.defaultChild as CfnElement).logicalId);
      const resource = built.dataTemplate.findResources('AWS::DynamoDB::GlobalTable')[id];
      expect(resource).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: keys,
          AttributeDefinitions: keys.map(({ AttributeName }) => ({ AttributeName, AttributeType: 'S' })),
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [
            {
              Region: { Ref: 'AWS::Region' },
              DeletionProtectionEnabled: true,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            },
          ],
        },
      });
      // AWS-managed key: no customer key to manage or grant.
      expect(resource?.Properties.SSESpecification.KMSMasterKeyId).toBeUndefined();
    },
  );

  it('are the only tables, and the registry table name is a stack output for the prompt-deploy pipeline', () => {
    built.dataTemplate.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    built.dataTemplate.resourceCountIs('AWS::DynamoDB::Table', 0);
    built.dataTemplate.hasOutput('PromptRegistryTableName', {
      Value: built.data.resolve(built.data.promptRegistryTable.tableName),
    });
  });
});

describe('context settings', () => {
  const settings = (context: Record<string, unknown>) =>
    reportsSettingsFromContext(new App({ outdir, context }));

  it('reads every key, recipients as a comma-separated string (CLI) or a list (cdk.json)', () => {
    expect(
      settings({
        reportsFrom: 'reports@example.com',
        reportsIdentity: 'address',
        reportsConfigurationSet: 'set-1',
        reportsTimezone: 'America/New_York',
        governanceRecipients: 'a@x.com, b@y.com',
        wasteRecipients: ['c@x.com'],
        marginRecipients: '',
        governanceSchedule: 'cron(0 5 * * ? *)',
        wasteSchedule: 'rate(1 day)',
        marginSchedule: 'cron(0 7 L * ? *)',
        reportsSandbox: 'TRUE',
        reportsReservedConcurrency: ' 3 ',
        governanceChangeThreshold: '0.25',
        governanceRateThreshold: 0.02,
        governanceMinRequests: '50',
        alarmEmail: 'ops@example.com',
      }),
    ).toEqual({
      reportsFrom: 'reports@example.com',
      reportsIdentity: 'address',
      reportsConfigurationSet: 'set-1',
      reportsTimezone: 'America/New_York',
      governanceRecipients: ['a@x.com', 'b@y.com'],
      wasteRecipients: ['c@x.com'],
      marginRecipients: [],
      governanceSchedule: 'cron(0 5 * * ? *)',
      wasteSchedule: 'rate(1 day)',
      marginSchedule: 'cron(0 7 L * ? *)',
      reportsSandbox: true,
      reportsReservedConcurrency: 3,
      governanceChangeThreshold: 0.25,
      governanceRateThreshold: 0.02,
      governanceMinRequests: 50,
    });
    expect(settings({})).toEqual({});
    expect(
      settings({
        reportsIdentity: 'existing',
        reportsSandbox: false,
        reportsReservedConcurrency: 'none',
        governanceChangeThreshold: 0,
        governanceMinRequests: '',
      }),
    ).toEqual({
      reportsIdentity: 'existing',
      reportsSandbox: false,
      reportsReservedConcurrency: 'none',
      governanceChangeThreshold: 0,
    });
  });

  it('reads the spend alerts keys: recipients, schedule, the four thresholds (text or number) and the page address', () => {
    expect(
      settings({
        reportsFrom: 'reports@example.com',
        alertsRecipients: 'oncall@example.com, finance@example.com',
        alertsSchedule: 'cron(0 2 * * ? *)',
        alertsFactor: '3',
        alertsMinCost: 0,
        alertsCriticalCost: '250.5',
        alertsRunawayFactor: 4,
        alertsPageEmail: 'pager@example.com',
      }),
    ).toEqual({
      reportsFrom: 'reports@example.com',
      alertsRecipients: ['oncall@example.com', 'finance@example.com'],
      alertsSchedule: 'cron(0 2 * * ? *)',
      alertsFactor: 3,
      alertsMinCost: 0,
      alertsCriticalCost: 250.5,
      alertsRunawayFactor: 4,
      alertsPageEmail: 'pager@example.com',
    });
    // Blank is unset: no threshold; a blank address (as every blank text setting) subscribes nobody.
    expect(settings({ alertsFactor: '', alertsPageEmail: ' ' })).toEqual({ alertsPageEmail: '' });
  });

  it.each([
    [{ governanceRecipients: 'a@x.com,bob' }, 'context governanceRecipients: "bob" is not an email address'],
    [{ wasteRecipients: [42] }, 'context wasteRecipients must be comma-separated e-mail addresses, got [42]'],
    [
      { reportsFrom: 'r@x.com', marginRecipients: 'a@x.com,a@x.com' },
      "context marginRecipients lists 'a@x.com' twice",
    ],
    [
      { reportsFrom: 'r@x.com', marginRecipients: Array.from({ length: 51 }, (_, i) => `u${i}@x.com`) },
      'context marginRecipients must be at most 50 addresses',
    ],
    [
      { governanceRecipients: 'a@x.com' },
      "context governanceRecipients is set ('a@x.com'), so context reportsFrom (the sender) is required",
    ],
    [{ reportsFrom: 'reports' }, 'context reportsFrom: "reports" is not an email address'],
    [
      { reportsFrom: 'a@x.com,b@y.com' },
      "context reportsFrom must be one e-mail address, got 'a@x.com,b@y.com'",
    ],
    [
      { reportsIdentity: 'dns' },
      "context reportsIdentity must be 'domain', 'address' or 'existing', got 'dns'",
    ],
    [{ reportsSandbox: 'yes' }, 'context reportsSandbox must be true or false, got "yes"'],
    [{ reportsSandbox: 1 }, 'context reportsSandbox must be true or false, got 1'],
    [
      { reportsReservedConcurrency: '0' },
      "context reportsReservedConcurrency must be a whole number from 1 to 1000, or 'none', got 0",
    ],
    [
      { reportsReservedConcurrency: 1001 },
      'context reportsReservedConcurrency must be a whole number from 1 to 1000',
    ],
    [
      { reportsReservedConcurrency: '2.5' },
      "context reportsReservedConcurrency must be a whole number from 1 to 1000, or 'none', got 2.5",
    ],
    [
      { reportsReservedConcurrency: 'None' },
      'context reportsReservedConcurrency must be a whole number from 1 to 1000, or \'none\', got "None"',
    ],
    [
      { reportsReservedConcurrency: true },
      "context reportsReservedConcurrency must be a whole number from 1 to 1000, or 'none', got true",
    ],
    [
      { governanceChangeThreshold: '-0.1' },
      'context governanceChangeThreshold must be a number ≥ 0 (a ratio: 0.25 is 25%), got "-0.1"',
    ],
    [
      { governanceChangeThreshold: '25%' },
      'context governanceChangeThreshold must be a number ≥ 0 (a ratio: 0.25 is 25%), got "25%"',
    ],
    [
      { governanceChangeThreshold: '0x10' },
      'context governanceChangeThreshold must be a number ≥ 0 (a ratio: 0.25 is 25%), got "0x10"',
    ],
    [
      { governanceChangeThreshold: 'Infinity' },
      'context governanceChangeThreshold must be a number ≥ 0 (a ratio: 0.25 is 25%), got "Infinity"',
    ],
    [
      { governanceRateThreshold: '2' },
      'context governanceRateThreshold must be a number from 0 to 1 (a difference of rates: 0.02 is 2 points), got "2"',
    ],
    [{ governanceRateThreshold: -0.01 }, 'context governanceRateThreshold must be a number from 0 to 1'],
    [{ governanceMinRequests: '0' }, 'context governanceMinRequests must be a whole number ≥ 1, got "0"'],
    [{ governanceMinRequests: 12.5 }, 'context governanceMinRequests must be a whole number ≥ 1, got 12.5'],
    [{ governanceMinRequests: [50] }, 'context governanceMinRequests must be a whole number ≥ 1, got [50]'],
    [
      { reportsConfigurationSet: 'my set' },
      'context reportsConfigurationSet must be an SES configuration set name',
    ],
    [
      { reportsTimezone: 'Mars/Olympus' },
      "context reportsTimezone must be an IANA time zone such as UTC or Europe/Paris, got 'Mars/Olympus'",
    ],
    [{ reportsTimezone: 'utc' }, "got 'utc'"],
    [{ reportsTimezone: '+01:00' }, "got '+01:00'"],
    [
      { governanceSchedule: 'cron(0 6 * * *)' },
      'context governanceSchedule must be an EventBridge Scheduler expression',
    ],
    [{ governanceSchedule: 'cron(0 6 * * * *)' }, "got 'cron(0 6 * * * *)'"],
    [
      { wasteSchedule: 'cron(0 6 ? * ? *)' },
      'context wasteSchedule must be an EventBridge Scheduler expression',
    ],
    [{ marginSchedule: 'rate(1 days)' }, "got 'rate(1 days)'"],
    [{ marginSchedule: 'at(2026-12-03T07:00:00)' }, 'context marginSchedule must be'],
    [{ marginSchedule: 7 }, 'context marginSchedule must be a string, got 7'],
    [
      { governanceRecipient: 'a@x.com' },
      'context governanceRecipient is not a report setting; the keys are reportsFrom',
    ],
    [{ reportsSandBox: 'true' }, 'context reportsSandBox is not a report setting'],
    [{ governanceMinRequest: 50 }, 'context governanceMinRequest is not a report setting'],
    [
      { reportsReservedConcurrencyLimit: 1 },
      'context reportsReservedConcurrencyLimit is not a report setting',
    ],
    [{ alertsFactor: '0.5' }, 'context alertsFactor must be a number ≥ 1, got "0.5"'],
    [
      { alertsCriticalCost: 'lots' },
      'context alertsCriticalCost must be a number of dollars ≥ 0, got "lots"',
    ],
    [
      { alertsRecipients: 'oncall@example.com' },
      "context alertsRecipients is set ('oncall@example.com'), so context reportsFrom (the sender) is required",
    ],
    [
      { alertsPageEmail: 'a@x.com,b@y.com' },
      "context alertsPageEmail must be an e-mail address, got 'a@x.com,b@y.com'",
    ],
    [{ alertsSchedule: 'daily' }, 'context alertsSchedule must be an EventBridge Scheduler expression'],
    [{ alertsRecipient: 'a@x.com' }, 'context alertsRecipient is not a report setting'],
    [{ alertsMinimumCost: 5 }, 'context alertsMinimumCost is not a report setting'],
  ])('refuses %j, naming the key and quoting the value', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });

  it('a bad context value fails building the app, naming the key', () => {
    expect(() =>
      createTokenledgerApp({
        appProps: { outdir, context: { 'aws:cdk:bundling-stacks': [], wasteSchedule: 'cron(15 6 * * *)' } },
      }),
    ).toThrow("context wasteSchedule must be an EventBridge Scheduler expression 'cron(minutes hours");
  });

  it('app options win over the context', () => {
    const { reports } = createTokenledgerApp({
      appProps: {
        outdir,
        context: {
          'aws:cdk:bundling-stacks': [],
          governanceSchedule: 'cron(0 4 * * ? *)',
          reportsReservedConcurrency: '5',
        },
      },
      reports: { governanceSchedule: 'cron(0 5 * * ? *)', reservedConcurrentExecutions: null },
    });
    const schedule = reports.jobs.governance.schedule.node.defaultChild as unknown as {
      scheduleExpression: string;
    };
    expect(schedule.scheduleExpression).toBe('cron(0 5 * * ? *)');
    const fn = reports.jobs.governance.function.node.defaultChild as unknown as {
      reservedConcurrentExecutions?: number;
    };
    expect(fn.reservedConcurrentExecutions).toBeUndefined();
  });
});

describe('ReportJob and tokenledgerFunction props', () => {
  const reportJob = (props: Partial<ReportJobProps>): ReportJob => reportJobInStack(outdir, props);

  it('accepts the defaults', () => {
    expect(() => reportJob({})).not.toThrow();
  });

  it('rejects retries beyond Lambda limit of 2, event ages beyond 6 h, reserved concurrency 0, a 16 min timeout', () => {
    expect(() => reportJob({ retryAttempts: 3 })).toThrow(
      'ReportJob Job: retryAttempts must be an integer from 0 to 2, got 3',
    );
    expect(() => reportJob({ maxEventAge: Duration.hours(7) })).toThrow(
      'maxEventAge must be from 1 minute to 6 hours, got 7 hours',
    );
    expect(() => reportJob({ reservedConcurrentExecutions: 0 })).toThrow(
      'reservedConcurrentExecutions must be an integer from 1 to 1000, got 0',
    );
    expect(() => reportJob({ timeout: Duration.minutes(16) })).toThrow(
      'timeout must be from 1 second to 15 minutes',
    );
  });

  it('takes deploy-change thresholds for the governance job only, checked', () => {
    expect(() => reportJob({ deployChangeThresholds: { relative: 0.1 } })).toThrow(
      'ReportJob Job: deployChangeThresholds are for the governance report only, not waste',
    );
    expect(() => reportJob({ kind: 'governance', deployChangeThresholds: { relative: -1 } })).toThrow(
      'ReportJob Job: deployChangeThresholds.relative must be a number ≥ 0 (a ratio: 0.25 is 25%), got -1',
    );
    expect(() => reportJob({ kind: 'governance', deployChangeThresholds: { ratePoints: 1.5 } })).toThrow(
      'deployChangeThresholds.ratePoints must be a number from 0 to 1 (a difference of rates: 0.02 is 2 points), got 1.5',
    );
    expect(() => reportJob({ kind: 'governance', deployChangeThresholds: { minRequests: 0 } })).toThrow(
      'deployChangeThresholds.minRequests must be a whole number ≥ 1, got 0',
    );
    const governance = reportJob({ kind: 'governance', deployChangeThresholds: { relative: 0.5 } });
    const env = environmentOf(Template.fromStack(Stack.of(governance)), 'governance');
    expect(env.DEPLOY_CHANGE_RELATIVE).toBe('0.5');
    expect(env.DEPLOY_CHANGE_RATE_POINTS).toBeUndefined();
  });

  it('takes alertThresholds and pageTopic for the spend alerts job only: a ValidationError on any other', () => {
    // A topic of another app: the check comes before the topic is used.
    const pageTopic = new Topic(new Stack(new App({ outdir }), 'Pages'), 'Topic');
    const refused = (props: Partial<ReportJobProps>): unknown => {
      try {
        reportJob(props);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    for (const props of [
      { alertThresholds: { factor: 3 } },
      { pageTopic },
      { kind: 'governance' as const, alertThresholds: {} },
      { kind: 'margin' as const, pageTopic, alertThresholds: { minCost: 5 } },
    ]) {
      const error = refused(props);
      expect(Errors.isValidationError(error), JSON.stringify(Object.keys(props))).toBe(true);
      expect((error as Error).message).toContain(
        `ReportJob Job: alertThresholds and pageTopic are for the spend alerts job only, not ${props.kind ?? 'waste'}`,
      );
    }
    const bad = refused({ kind: 'alerts', alertThresholds: { factor: 0.5 } });
    expect(Errors.isValidationError(bad)).toBe(true);
    expect((bad as Error).message).toContain(
      'ReportJob Job: alertThresholds.factor must be a number ≥ 1, got 0.5',
    );
  });

  it('the alerts job with thresholds and an imported page topic: ALERT_* set, PAGE_TOPIC_ARN, sns:Publish and the ledger (no KMS: no key)', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111111111111:pages';
    const pageTopic = Topic.fromTopicArn(new Stack(new App({ outdir }), 'Pages'), 'Topic', topicArn);
    const alerts = reportJob({
      kind: 'alerts',
      pageTopic,
      alertThresholds: { minCost: 20, runawayFactor: 4 },
    });
    const template = Template.fromStack(Stack.of(alerts));
    const env = environmentOf(template, 'alerts');
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('ALERT_'))
        .sort(),
    ).toEqual(['ALERT_MIN_COST', 'ALERT_RUNAWAY_FACTOR']);
    expect(env).toMatchObject({ ALERT_MIN_COST: '20', ALERT_RUNAWAY_FACTOR: '4', PAGE_TOPIC_ARN: topicArn });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'sns:Publish', Resource: topicArn, Effect: 'Allow' }),
    );
    expect(statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('kms:')))).toEqual([]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
      }),
    );
    expect(statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('ses:')))).toEqual([]);
  });

  it('refuses a sender without an SES identity to send on', () => {
    expect(() => reportJob({ recipients: ['a@x.com'], mail: { from: 'r@x.com', identities: [] } })).toThrow(
      'ReportJob Job: mail.identities must name at least one SES identity of the sender',
    );
  });

  it('rejects recipients without a sender, and a bad schedule or time zone', () => {
    expect(() => reportJob({ recipients: ['a@x.com'] })).toThrow(
      'ReportJob Job: recipients are set (a@x.com), so mail (the sender) is required',
    );
    expect(() => reportJob({ schedule: 'daily' })).toThrow('ReportJob Job: schedule must be an EventBridge');
    expect(() => reportJob({ timeZone: 'CEST' })).toThrow(
      'ReportJob Job: timeZone must be an IANA time zone',
    );
  });

  it.each(['../queries', '/etc', 'queries/no-such-folder', '.'])(
    'tokenledgerFunction refuses extraFiles entry %s',
    (path) => {
      const stack = new Stack(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
      expect(() =>
        tokenledgerFunction(stack, {
          lambda: 'report-job',
          description: 'test',
          roleDescription: 'test',
          memorySize: 128,
          timeout: Duration.seconds(10),
          environment: {},
          extraFiles: [path],
        }),
      ).toThrow(
        `tokenledgerFunction report-job: extraFiles entries must be existing paths relative to the repository root, got '${path}'`,
      );
    },
  );
});
