import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnString, type SynthesizedApp, stagedBundles, synthesizeApp } from './synth-app.ts';

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp();
});
afterAll(() => built.cleanup());

/** A value of the data stack as the ingest stack imports it, flattened (e.g. `<export name>/events/*`). */
function imported(value: string): string {
  return cfnString(built.ingest.resolve(value));
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The Allow statements of the ingest function role's policies, resources flattened. */
function allowStatements(): { actions: string[]; resources: string[]; condition?: unknown }[] {
  const policies = built.ingestTemplate.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => statement.Effect === 'Allow')
    .map((statement) => ({
      actions: [statement.Action].flat(),
      resources: [statement.Resource].flat().map(cfnString),
      condition: statement.Condition,
    }));
}

describe('ingest function', () => {
  it('runs lambdas/ingest/handler.ts bundled as ESM on Node.js 24, arm64, 1024 MB, 2 min', () => {
    built.ingestTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 120,
    });
    built.ingestTemplate.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('gets the lake bucket name and its Powertools settings from the environment', () => {
    built.ingestTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          LAKE_BUCKET: built.ingest.resolve(built.data.lakeBucket.bucketName),
          POWERTOOLS_SERVICE_NAME: 'tokenledger-ingest',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
    });
  });

  it('logs to its own log group with a one-month retention', () => {
    built.ingestTemplate.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    built.ingestTemplate.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^IngestFunctionLogGroup') } },
    });
  });

  it('reserves no concurrency by default (a fresh account cannot), what -c ingestReservedConcurrency asks for', () => {
    built.ingestTemplate.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
    const reserving = synthesizeApp({
      skipBundling: true,
      appProps: { context: { ingestReservedConcurrency: '10', parallelizationFactor: '2' } },
    });
    try {
      reserving.ingestTemplate.hasResourceProperties('AWS::Lambda::Function', {
        ReservedConcurrentExecutions: 10,
      });
      reserving.ingestTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ParallelizationFactor: 2,
      });
    } finally {
      reserving.cleanup();
    }
  });

  it('has a role without AWS-managed policies', () => {
    built.ingestTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });
});

describe('ingest function permissions', () => {
  it('may put objects only under events/ and quarantine/ of the lake, and in the failed-records bucket', () => {
    const putResources = allowStatements()
      .filter((statement) => statement.actions.some((action) => action.startsWith('s3:Put')))
      .flatMap((statement) => statement.resources);
    expect(putResources).not.toContain('*');
    expect(new Set(putResources)).toEqual(
      new Set([
        imported(built.data.lakeBucket.arnForObjects('events/*')),
        imported(built.data.lakeBucket.arnForObjects('quarantine/*')),
        imported(built.data.failedRecordsBucket.arnForObjects('*')),
      ]),
    );
  });

  it('uses no S3 action beyond PutObject and ListBucket (no read, delete, ACL, tagging, s3:*)', () => {
    const s3Actions = allowStatements().flatMap((statement) =>
      statement.actions.filter((action) => action.startsWith('s3:')),
    );
    expect(new Set(s3Actions)).toEqual(new Set(['s3:PutObject', 's3:ListBucket']));
  });

  it('lists the lake only under events/ and quarantine/ (the check before writing a batch)', () => {
    const lake = imported(built.data.lakeBucket.bucketArn);
    const list = allowStatements().filter(
      (s) => s.actions.includes('s3:ListBucket') && s.resources.includes(lake),
    );
    expect(list).toHaveLength(1);
    expect(list[0]?.condition).toEqual({ StringLike: { 's3:prefix': ['events/*', 'quarantine/*'] } });
  });

  it('reads the event stream, and only it', () => {
    const kinesis = allowStatements().filter((statement) =>
      statement.actions.some((a) => a.startsWith('kinesis:')),
    );
    expect(kinesis.flatMap((statement) => statement.resources)).toEqual([
      imported(built.data.eventStream.stream.streamArn),
    ]);
    expect(kinesis.flatMap((statement) => statement.actions)).toEqual(
      expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']),
    );
  });

  it('has no Allow statement on resource * at all', () => {
    for (const statement of allowStatements()) expect(statement.resources).not.toContain('*');
  });
});

describe('event source mapping', () => {
  it('consumes the stream from TRIM_HORIZON with partial batch responses, bisection and finite retries', () => {
    built.ingestTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: built.ingest.resolve(built.data.eventStream.stream.streamArn),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      ParallelizationFactor: 1,
    });
    built.ingestTemplate.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  it('sends batches it gives up on to the failed-records bucket, and publishes its EventCount metrics', () => {
    built.ingestTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: built.ingest.resolve(built.data.failedRecordsBucket.bucketArn) },
      },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
  });

  it('never retries forever', () => {
    const mappings = built.ingestTemplate.findResources('AWS::Lambda::EventSourceMapping');
    for (const mapping of Object.values(mappings)) {
      expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
    }
  });
});

describe('alarms', () => {
  it('alarm when the function is more than 5 minutes behind the stream (IteratorAge, Maximum)', () => {
    built.ingestTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^IngestFunction') } }],
      Threshold: 300000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^IngestAlarmsTopic') }],
    });
  });

  it('alarm when the mapping sends records to the failed-records bucket, or drops them (EventCount metrics, Sum >= 1 in 5 min)', () => {
    for (const metric of ['OnFailureDestinationDeliveredEventCount', 'DroppedEventCount']) {
      built.ingestTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Statistic: 'Sum',
        Period: 300,
        Dimensions: [
          {
            Name: 'EventSourceMappingUUID',
            Value: { Ref: Match.stringLikeRegexp('^IngestFunctionKinesisEventSource') },
          },
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^IngestAlarmsTopic') }],
      });
    }
  });

  it('alarm when more than 5 % of the events of 15 minutes (100 at least) are quarantined', () => {
    built.ingestTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(events >= 100, quarantined / events, 0)', ReturnData: true }),
      ]),
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^IngestAlarmsTopic') }],
    });
    // Events and QuarantinedEvents for the alarm; Spans and SkippedSpans for OTLP records (docs/otel.md).
    built.ingestTemplate.resourceCountIs('AWS::Logs::MetricFilter', 4);
    built.ingestTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });

  it('notify a KMS-encrypted topic that refuses publishing without TLS', () => {
    built.ingestTemplate.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestAlarmsTopicKey'), 'Arn'] },
    });
    built.ingestTemplate.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    built.ingestTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('let CloudWatch use the topic key', () => {
    built.ingestTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });
});

describe('the ingest function bundle the deployment ships', () => {
  it('is the minified ESM bundle of the handler, without the AWS SDK, DuckDB or the emulators', () => {
    // Prepare: the code assets staged in the cloud assembly; the function's is the folder with a .mjs file.
    const bundles = stagedBundles(built.app.outdir, 'TokenledgerIngest');
    expect(bundles).toHaveLength(1);

    // Act
    const code = readFileSync(bundles[0] as string, 'utf8');

    // Assess: minified (few, long lines), ESM, and nothing that must stay out of a Lambda bundle.
    const lines = code.split('\n').length;
    expect(lines).toBeLessThan(50);
    expect(code.length / lines).toBeGreaterThan(1000);
    expect(code).toMatch(/export\s*\{[^}]*handler/);
    for (const banned of ['@duckdb/node-api', 'kinesalite', 's3rver', 'aws-cdk-lib'])
      expect(code).not.toContain(banned);
    expect(code.length).toBeLessThan(250_000);
  });
});
