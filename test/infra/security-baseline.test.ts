import { Logger } from '@aws-lambda-powertools/logger';
import type { CfnResource } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { type CfnFunction, Tracing } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INGEST_BATCH_PATTERN, INGEST_METRICS_NAMESPACE } from '../../infra/constructs/ingest-alarms.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { REPORT_KINDS } from '../../src/reports/report-period.ts';
import { kinesisEvent, line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// The security baseline (issue 6), asserted over every stack of the app at once. The app is synthesized with
// every optional grant switched on — a sender with recipients, a configuration set and the SES sandbox, and
// X-Ray tracing — so that the widest permissions the app can have are the ones checked.

const EVERY_GRANT = {
  reportsFrom: 'reports@example.com',
  governanceRecipients: 'a@example.com',
  wasteRecipients: 'b@example.com',
  marginRecipients: 'c@example.com',
  alertsRecipients: 'd@example.com',
  reportsConfigurationSet: 'tokenledger',
  reportsSandbox: 'true',
};

/**
 * The only actions an identity policy may allow on Resource `*`, and why: the ones AWS defines no resource
 * type for, so that no narrower grant exists.
 */
const RESOURCE_STAR_ACTIONS: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': 'X-Ray defines no resource type: tracing (ingest `tracing`, off by default)',
  'xray:PutTelemetryRecords': 'X-Ray defines no resource type: tracing (ingest `tracing`, off by default)',
};

/** Services that hold or move data: no action of theirs may be a wildcard, not even `s3:Get*`. */
const DATA_SERVICES = ['s3', 'dynamodb', 'kinesis', 'sqs', 'sns', 'glue', 'athena', 'ses', 'logs'];

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({
    skipBundling: true,
    ingest: { tracing: Tracing.ACTIVE },
    appProps: { context: EVERY_GRANT },
  });
});
afterAll(() => built.cleanup());

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

interface Resource {
  stack: Stack;
  id: string;
  type: string;
  properties: Json;
}

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Json;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Json;
}

interface FoundStatement {
  /** `identity` (attached to a role), `resource` (bucket, topic, queue policies) or `key` (KMS key policies). */
  kind: 'identity' | 'resource' | 'key';
  where: string;
  /** Logical id of the policy's resource (the role's, for an inline policy of a role). */
  id: string;
  resource: Resource;
  statement: Statement;
  actions: string[];
  resources: string[];
}

function stacks(): Stack[] {
  return [built.data, built.ingest, built.invoices, built.reports];
}

function resources(type: string): Resource[] {
  const templates = [built.dataTemplate, built.ingestTemplate, built.invoicesTemplate, built.reportsTemplate];
  return stacks().flatMap((stack, i) =>
    Object.entries<Json>(templates[i]?.toJSON().Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => ({ stack, id, type, properties: r.Properties ?? {} })),
  );
}

/** Every policy statement of the app, of every kind of policy. */
function statements(): FoundStatement[] {
  const documents: { kind: FoundStatement['kind']; resource: Resource; document: Json }[] = [
    ...resources('AWS::IAM::Policy').map((r) => ({
      kind: 'identity' as const,
      resource: r,
      document: r.properties.PolicyDocument,
    })),
    ...resources('AWS::IAM::ManagedPolicy').map((r) => ({
      kind: 'identity' as const,
      resource: r,
      document: r.properties.PolicyDocument,
    })),
    ...resources('AWS::IAM::Role').flatMap((r) =>
      (r.properties.Policies ?? []).map((p: Json) => ({
        kind: 'identity' as const,
        resource: r,
        document: p.PolicyDocument,
      })),
    ),
    ...['AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy'].flatMap((type) =>
      resources(type).map((r) => ({
        kind: 'resource' as const,
        resource: r,
        document: r.properties.PolicyDocument,
      })),
    ),
    ...resources('AWS::KMS::Key').map((r) => ({
      kind: 'key' as const,
      resource: r,
      document: r.properties.KeyPolicy,
    })),
  ];
  return documents.flatMap(({ kind, resource, document }) =>
    (document.Statement as Statement[]).map((statement) => ({
      kind,
      where: `${resource.stack.stackName}/${resource.id}`,
      id: resource.id,
      resource,
      statement,
      actions: [statement.Action ?? []].flat(),
      resources: [statement.Resource ?? []].flat().map(cfnString),
    })),
  );
}

const allows = (found: FoundStatement[]) => found.filter((s) => s.statement.Effect === 'Allow');
const describe_ = (s: FoundStatement) =>
  `${s.kind} ${s.where}: ${s.actions.join(',')} on ${s.resources.join(',')}`;

/** The logical id of an L2 construct's CloudFormation resource in its stack. */
function logicalId(construct: { node: { defaultChild?: unknown } }): string {
  const child = construct.node.defaultChild as CfnResource;
  return Stack.of(child).getLogicalId(child);
}

/** The statements denying requests without TLS (`aws:SecureTransport` false) in a resource policy document. */
function denyWithoutTls(document: Json): Statement[] {
  return (document.Statement as Statement[]).filter(
    (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
  );
}

describe('the security baseline covers', () => {
  it('every stack of the app', () => {
    const appStacks = built.app.node.children.filter(Stack.isStack);
    expect(appStacks.map((s) => s.stackName).sort()).toEqual(
      stacks()
        .map((s) => s.stackName)
        .sort(),
    );
  });
});

describe('S3 buckets', () => {
  it('every bucket is encrypted, blocks all public access and has a policy refusing requests without TLS', () => {
    const buckets = resources('AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThanOrEqual(4);
    const policies = resources('AWS::S3::BucketPolicy');
    for (const bucket of buckets) {
      const encryption = bucket.properties.BucketEncryption?.ServerSideEncryptionConfiguration ?? [];
      expect(encryption.length, bucket.id).toBeGreaterThan(0);
      for (const rule of encryption) {
        expect(['AES256', 'aws:kms', 'aws:kms:dsse'], bucket.id).toContain(
          rule.ServerSideEncryptionByDefault?.SSEAlgorithm,
        );
      }
      expect(bucket.properties.PublicAccessBlockConfiguration, bucket.id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = policies.find((p) => p.stack === bucket.stack && p.properties.Bucket?.Ref === bucket.id);
      expect(policy, `policy of ${bucket.id}`).toBeDefined();
      const deny = denyWithoutTls(policy?.properties.PolicyDocument);
      expect(deny, bucket.id).toHaveLength(1);
      expect(deny[0]?.Action).toBe('s3:*');
      expect(deny[0]?.Principal).toEqual({ AWS: '*' });
      expect([deny[0]?.Resource].flat().map(cfnString).sort()).toEqual(
        [`<${bucket.id}.Arn>`, `<${bucket.id}.Arn>/*`].sort(),
      );
    }
  });

  it('every bucket is access-logged to the access-log bucket, except the access-log bucket itself', () => {
    const accessLogs = logicalId(built.data.accessLogsBucket);
    const buckets = resources('AWS::S3::Bucket');
    const unlogged = buckets.filter((b) => b.properties.LoggingConfiguration === undefined);
    // S3 cannot deliver a bucket's access logs to the bucket itself (each delivery would log another).
    expect(unlogged.map((b) => `${b.stack.stackName}/${b.id}`)).toEqual([`TokenledgerData/${accessLogs}`]);
    for (const bucket of buckets.filter((b) => b.id !== accessLogs)) {
      expect(bucket.stack, bucket.id).toBe(built.data);
      expect(bucket.properties.LoggingConfiguration.DestinationBucketName, bucket.id).toEqual({
        Ref: accessLogs,
      });
    }
  });
});

describe('IAM', () => {
  it('no statement allows every action, or every action of a service (`*`, `s3:*`), bar the key administration', () => {
    const broad = allows(statements()).filter((s) =>
      s.actions.some((action) => action === '*' || action.endsWith(':*')),
    );
    // CDK's default key policy: the account (root) administers its keys through IAM, so that a key can never
    // become unmanageable. Asserted exactly below.
    expect(broad.filter((s) => s.kind !== 'key').map(describe_)).toEqual([]);
    for (const s of broad) {
      expect(s.actions, s.where).toEqual(['kms:*']);
      expect(cfnString(s.statement.Principal?.AWS)).toBe('arn:<AWS::Partition>:iam::<AWS::AccountId>:root');
      expect(s.statement.Condition).toBeUndefined();
    }
  });

  it('no action on a data service has a wildcard, not even a partial one (s3:Get*)', () => {
    const wildcards = allows(statements()).filter((s) =>
      s.actions.some(
        (action) => DATA_SERVICES.includes(action.split(':')[0] as string) && action.includes('*'),
      ),
    );
    expect(wildcards.map(describe_)).toEqual([]);
  });

  it('no Allow uses NotAction or NotResource', () => {
    const negated = allows(statements()).filter(
      (s) => s.statement.NotAction !== undefined || s.statement.NotResource !== undefined,
    );
    expect(negated.map(describe_)).toEqual([]);
  });

  it('no role may act on Resource * except for the actions AWS defines no resource type for (X-Ray)', () => {
    const onStar = allows(statements()).filter((s) => s.kind === 'identity' && s.resources.includes('*'));
    for (const s of onStar) {
      expect(
        s.actions.filter((action) => !(action in RESOURCE_STAR_ACTIONS)),
        describe_(s),
      ).toEqual([]);
    }
    // With tracing on (as here), the ingest role is the one that has them.
    expect(onStar.map((s) => s.actions)).toEqual([['xray:PutTraceSegments', 'xray:PutTelemetryRecords']]);
  });

  it('resource policies (buckets, topics, queues) allow AWS services only, never anyone (`*`)', () => {
    const resourceAllows = allows(statements()).filter((s) => s.kind === 'resource');
    expect(resourceAllows.length).toBeGreaterThan(0);
    for (const s of resourceAllows) {
      expect(Object.keys(s.statement.Principal ?? {}), describe_(s)).toEqual(['Service']);
      // The service may act only on behalf of this account: an aws:SourceAccount of this account, or an
      // aws:SourceArn inside it — any other condition (or a condition on another key) would let the service act for
      // someone else's resources (the confused deputy).
      const condition = (s.statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
      const keys = Object.entries(condition).flatMap(([operator, values]) =>
        Object.entries(values).map(([key, value]) => ({ operator, key, value: cfnString(value) })),
      );
      const confined = keys.filter(
        ({ operator, key, value }) =>
          (operator === 'StringEquals' && key === 'aws:SourceAccount' && value === '<AWS::AccountId>') ||
          (['ArnLike', 'ArnEquals'].includes(operator) &&
            key === 'aws:SourceArn' &&
            value.includes(':<AWS::AccountId>:')),
      );
      expect(confined.length, `${describe_(s)}: ${JSON.stringify(keys)}`).toBeGreaterThan(0);
    }
  });

  it('key policies let only the account administer a key, and CloudWatch of this account use it', () => {
    const keyStatements = allows(statements()).filter((s) => s.kind === 'key');
    expect(keyStatements.length).toBeGreaterThan(0);
    for (const s of keyStatements) {
      // In a key policy, Resource * is the key itself.
      expect(s.resources).toEqual(['*']);
      if (s.actions[0] === 'kms:*') continue; // the administration statement, asserted above
      expect(s.statement.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
      expect(s.actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(s.statement.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });
    }
  });
});

describe('the ingest function', () => {
  /** The Allow statements of the ingest role's policies. */
  function ingestRoleStatements(): FoundStatement[] {
    const role = logicalId(built.ingest.ingestFunction.role);
    return allows(statements()).filter(
      (s) =>
        s.resource.stack === built.ingest &&
        s.kind === 'identity' &&
        (s.resource.properties.Roles ?? []).some((r: Json) => r.Ref === role),
    );
  }
  const imported = (arn: string) => cfnString(built.ingest.resolve(arn));

  it('may write to the lake only under events/ and quarantine/, and only put into the failed-records bucket', () => {
    const lake = built.data.lakeBucket;
    const isWrite = (action: string) => action.startsWith('s3:') && !/^s3:(Get|List)/.test(action);
    const writes = ingestRoleStatements().filter((s) => s.actions.some(isWrite));
    expect(new Set(writes.flatMap((s) => s.actions.filter(isWrite)))).toEqual(new Set(['s3:PutObject']));
    expect(new Set(writes.flatMap((s) => s.resources))).toEqual(
      new Set([
        imported(lake.arnForObjects('events/*')),
        imported(lake.arnForObjects('quarantine/*')),
        imported(built.data.failedRecordsBucket.arnForObjects('*')),
      ]),
    );
  });

  it('reserves no concurrency unless asked: a fresh account (quota 10, 100 kept unreserved) could not deploy it', () => {
    const fn = built.ingest.ingestFunction.function.node.defaultChild as CfnFunction;
    const reserved = resources('AWS::Lambda::Function').find((f) => f.id === built.ingest.getLogicalId(fn))
      ?.properties.ReservedConcurrentExecutions;
    expect(reserved).toBeUndefined();
    // No function of the app reserves any by default (the report jobs neither).
    expect(
      resources('AWS::Lambda::Function').filter(
        (f) => f.properties.ReservedConcurrentExecutions !== undefined,
      ),
    ).toEqual([]);
  });
});

describe('data stores', () => {
  it('the Athena workgroup cuts off a query at a bytes-scanned limit and encrypts results, enforced', () => {
    const workgroups = resources('AWS::Athena::WorkGroup');
    expect(workgroups).toHaveLength(1);
    for (const { properties } of workgroups) {
      const config = properties.WorkGroupConfiguration;
      expect(config.EnforceWorkGroupConfiguration).toBe(true);
      expect(config.BytesScannedCutoffPerQuery).toBe(10 * 1024 ** 3);
      expect(['SSE_S3', 'SSE_KMS', 'CSE_KMS']).toContain(
        config.ResultConfiguration.EncryptionConfiguration.EncryptionOption,
      );
    }
  });

  it('every DynamoDB table has point-in-time recovery', () => {
    const tables = [...resources('AWS::DynamoDB::GlobalTable'), ...resources('AWS::DynamoDB::Table')];
    expect(tables).toHaveLength(2);
    for (const table of tables) {
      const specs =
        table.type === 'AWS::DynamoDB::GlobalTable'
          ? table.properties.Replicas.map((r: Json) => r.PointInTimeRecoverySpecification)
          : [table.properties.PointInTimeRecoverySpecification];
      for (const spec of specs) expect(spec, table.id).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('every SQS queue and SNS topic is encrypted and refuses requests without TLS', () => {
    const queues = resources('AWS::SQS::Queue');
    const topics = resources('AWS::SNS::Topic');
    // the DLQs of the invoice function and of the four report jobs and the rollup job
    expect(queues).toHaveLength(6);
    // the alarm topics of the three stateless stacks, and the spend alerts' page topic
    expect(topics).toHaveLength(4);
    for (const queue of queues) {
      expect(
        queue.properties.SqsManagedSseEnabled === true || queue.properties.KmsMasterKeyId !== undefined,
        queue.id,
      ).toBe(true);
      const policy = resources('AWS::SQS::QueuePolicy').find(
        (p) => p.stack === queue.stack && p.properties.Queues.some((q: Json) => q.Ref === queue.id),
      );
      expect(denyWithoutTls(policy?.properties.PolicyDocument), queue.id).toHaveLength(1);
    }
    for (const topic of topics) {
      expect(topic.properties.KmsMasterKeyId, topic.id).toBeDefined();
      const policy = resources('AWS::SNS::TopicPolicy').find(
        (p) => p.stack === topic.stack && p.properties.Topics.some((t: Json) => t.Ref === topic.id),
      );
      expect(denyWithoutTls(policy?.properties.PolicyDocument), topic.id).toHaveLength(1);
    }
  });
});

describe('SES', () => {
  it('the report jobs may send only as the configured identities (and through the configuration set)', () => {
    const ses = allows(statements()).filter((s) => s.actions.some((a) => a.startsWith('ses:')));
    expect(ses).toHaveLength(REPORT_KINDS.length);
    for (const s of ses) {
      expect(s.actions).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(s.resources.length).toBeGreaterThan(0);
      for (const arn of s.resources) {
        expect(arn, describe_(s)).toMatch(
          /^arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:(identity\/[^*]+|configuration-set\/tokenledger)$/,
        );
      }
    }
  });
});

describe('alarms', () => {
  const alarms = () => resources('AWS::CloudWatch::Alarm');

  it('every alarm notifies an SNS topic of its stack, on alarm and back to OK', () => {
    const topics = resources('AWS::SNS::Topic');
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      for (const key of ['AlarmActions', 'OKActions']) {
        const actions = alarm.properties[key] as Json[];
        expect(actions, `${alarm.id} ${key}`).toHaveLength(1);
        expect(
          topics.some((t) => t.stack === alarm.stack && actions[0]?.Ref === t.id),
          `${alarm.id} ${key}`,
        ).toBe(true);
      }
      expect(alarm.properties.TreatMissingData, alarm.id).toBe('notBreaching');
    }
  });

  it('watch iterator age, on-failure deliveries, dropped records, quarantine rate, and failed runs of each report job, of the rollup job and of the invoice function', () => {
    const ingest = built.ingest;
    const fnRef = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(construct) });
    const mappingRef = ingest.resolve(ingest.ingestFunction.eventSource.eventSourceMappingId);
    const watched = alarms().map((a) =>
      a.properties.Metrics
        ? `${a.stack.stackName} expression ${a.properties.Metrics.find((m: Json) => m.Expression)?.Expression}`
        : `${a.stack.stackName} ${a.properties.Namespace} ${a.properties.MetricName} ${JSON.stringify(a.properties.Dimensions)}`,
    );
    const queueName = (queue: { node: { defaultChild?: unknown } }) =>
      JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }]);
    expect(watched.sort()).toEqual(
      [
        `TokenledgerIngest AWS/Lambda IteratorAge ${JSON.stringify([{ Name: 'FunctionName', Value: fnRef(ingest.ingestFunction.function) }])}`,
        `TokenledgerIngest AWS/Lambda OnFailureDestinationDeliveredEventCount ${JSON.stringify([{ Name: 'EventSourceMappingUUID', Value: mappingRef }])}`,
        `TokenledgerIngest AWS/Lambda DroppedEventCount ${JSON.stringify([{ Name: 'EventSourceMappingUUID', Value: mappingRef }])}`,
        'TokenledgerIngest expression IF(events >= 100, quarantined / events, 0)',
        ...[...REPORT_KINDS.map((kind) => built.reports.jobs[kind]), built.reports.rollupJob].flatMap(
          (job) => {
            return [
              `TokenledgerReports AWS/Lambda Errors ${JSON.stringify([{ Name: 'FunctionName', Value: fnRef(job.function) }])}`,
              `TokenledgerReports AWS/SQS ApproximateNumberOfMessagesVisible ${queueName(job.deadLetterQueue)}`,
            ];
          },
        ),
        `TokenledgerInvoices AWS/SQS ApproximateNumberOfMessagesVisible ${queueName(built.invoices.invoiceFunction.deadLetterQueue)}`,
      ].sort(),
    );
    // Each fires on the first failed record, dropped record, failed run or dead letter.
    for (const alarm of alarms().filter(
      (a) => a.properties.MetricName !== 'IteratorAge' && !a.properties.Metrics,
    )) {
      expect(alarm.properties.Threshold, alarm.id).toBe(1);
      expect(alarm.properties.ComparisonOperator, alarm.id).toBe('GreaterThanOrEqualToThreshold');
    }
  });

  it('the event source mapping publishes the EventCount metrics the on-failure and dropped alarms read', () => {
    const [mapping] = resources('AWS::Lambda::EventSourceMapping');
    expect(mapping?.properties.MetricsConfig).toEqual({ Metrics: ['EventCount'] });
    expect(cfnString(mapping?.properties.DestinationConfig.OnFailure.Destination)).toBe(
      cfnString(built.ingest.resolve(built.data.failedRecordsBucket.bucketArn)),
    );
  });

  it('the quarantine rate is quarantined ÷ events of the ingest batch log lines over 15 minutes, above 5 %', () => {
    const filters = resources('AWS::Logs::MetricFilter');
    const logGroup = { Ref: logicalId(built.ingest.ingestFunction.logGroup) };
    expect(
      filters.map((f) => ({
        pattern: f.properties.FilterPattern,
        logGroup: f.properties.LogGroupName,
        ...f.properties.MetricTransformations[0],
      })),
    ).toEqual([
      {
        pattern: '{ $.message = "ingest batch" }',
        logGroup,
        MetricName: 'Events',
        MetricNamespace: INGEST_METRICS_NAMESPACE,
        MetricValue: '$.events',
      },
      {
        pattern: '{ $.message = "ingest batch" }',
        logGroup,
        MetricName: 'QuarantinedEvents',
        MetricNamespace: INGEST_METRICS_NAMESPACE,
        MetricValue: '$.quarantined',
      },
      {
        pattern: '{ $.message = "ingest batch" }',
        logGroup,
        MetricName: 'Spans',
        MetricNamespace: INGEST_METRICS_NAMESPACE,
        MetricValue: '$.spans',
      },
      {
        pattern: '{ $.message = "ingest batch" }',
        logGroup,
        MetricName: 'SkippedSpans',
        MetricNamespace: INGEST_METRICS_NAMESPACE,
        MetricValue: '$.skippedSpans',
      },
    ]);
    const rate = alarms().find((a) => a.properties.Metrics);
    expect(rate?.properties).toMatchObject({
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const stats = rate?.properties.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => ({
      id: m.Id,
      name: m.MetricStat.Metric.MetricName,
      period: m.MetricStat.Period,
      stat: m.MetricStat.Stat,
    }));
    expect(stats).toEqual([
      { id: 'events', name: 'Events', period: 900, stat: 'Sum' },
      { id: 'quarantined', name: 'QuarantinedEvents', period: 900, stat: 'Sum' },
    ]);
  });

  it('the metric filters match the line the ingest handler logs for a batch, and read its counts', async () => {
    // Prepare: the handler as lambdas/ingest/handler.ts builds it (a Powertools Logger), writing to a local lake;
    // a batch of 3 valid events and 2 that fail validation. The Logger writes each log line to stdout, which
    // Lambda sends to the log group as one log event per line.
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    const lake = await tempDir();
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const handler = createIngestHandler({
        store: new FsLakeStore(lake.dir),
        logger: new Logger({ serviceName: 'tokenledger-ingest' }),
      });
      const event = kinesisEvent([
        [line(wireEvent()), line(wireEvent()), line(wireEvent({ feature: 'Bad Feature!' }))],
        [line(wireEvent()), '{"v":1,"event_id":"trunc'],
      ]);

      // Act
      await handler(event);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
      await lake.remove();
    }

    // Assess: exactly one log event matches the filter pattern, and the metric values read 5 events, 2 quarantined.
    const logEvents = written.join('').split('\n').filter(Boolean);
    expect(logEvents.length).toBeGreaterThan(0);
    const pattern = INGEST_BATCH_PATTERN.logPatternString;
    const matching = logEvents.filter((logEvent) => matchesJsonFilter(pattern, logEvent));
    expect(matching).toHaveLength(1);
    const [batchLine] = matching as [string];
    expect(metricValue('$.events', batchLine)).toBe(5);
    expect(metricValue('$.quarantined', batchLine)).toBe(2);
    // The evaluator tells lines apart: another message, or a line that is not JSON, does not match.
    expect(matchesJsonFilter(pattern, batchLine.replace('"ingest batch"', '"lake write failed"'))).toBe(
      false,
    );
    expect(matchesJsonFilter(pattern, `2026-11-02T10:00:00.000Z\tabc\tINFO\t${batchLine}`)).toBe(false);
  });
});

/**
 * CloudWatch Logs' JSON filter pattern `{ $.field = "value" }` (the one form the ingest filters use), applied to
 * one log event: the event must be a JSON object, and the field at the path must equal the string. Throws on any
 * other pattern, so that a changed pattern cannot pass this test unexamined.
 */
function matchesJsonFilter(pattern: string, logEvent: string): boolean {
  const form = /^\{ \$\.([A-Za-z_][\w.]*) = "([^"]*)" \}$/.exec(pattern);
  if (!form) throw new Error(`unsupported filter pattern: ${pattern}`);
  const value = jsonPath(`$.${form[1]}`, logEvent);
  return value === form[2];
}

/** A metric filter's `metricValue` (`$.path`) read from a JSON log event: a number, or undefined. */
function metricValue(path: string, logEvent: string): number | undefined {
  const value = jsonPath(path, logEvent);
  return typeof value === 'number' ? value : undefined;
}

function jsonPath(path: string, logEvent: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(logEvent);
  } catch {
    return undefined;
  }
  for (const key of path.replace(/^\$\./, '').split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}
