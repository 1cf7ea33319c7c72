import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceFolders } from '../../infra/constructs/invoice-function.ts';
import { INVOICE_FORMATS } from '../../src/core/costs/cost-line.ts';
import { cfnString, type SynthesizedApp, stagedBundles, synthesizeApp } from './synth-app.ts';

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp();
});
afterAll(() => built.cleanup());

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The lake bucket ARN as the invoices stack imports it, flattened. */
function lakeArn(): string {
  return cfnString(built.invoices.resolve(built.data.lakeBucket.bucketArn));
}

/** The Allow statements of one role's policies, actions and resources flattened. */
function allowStatements(
  roleLogicalIdPrefix: string,
): { actions: string[]; resources: string[]; condition?: unknown }[] {
  const policies = built.invoicesTemplate.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${roleLogicalIdPrefix}`) }] },
  });
  expect(Object.keys(policies).length).toBeGreaterThan(0);
  return Object.values(policies)
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => statement.Effect === 'Allow')
    .map((statement) => ({
      actions: [statement.Action].flat(),
      resources: [statement.Resource].flat().map(cfnString),
      condition: statement.Condition,
    }));
}

/** The key prefixes of the bucket's invoice notifications. */
function notificationPrefixes(): string[] {
  const [resource] = Object.values(built.invoicesTemplate.findResources('Custom::S3BucketNotifications'));
  const configs = resource?.Properties.NotificationConfiguration.LambdaFunctionConfigurations as {
    Filter: { Key: { FilterRules: { Name: string; Value: string }[] } };
  }[];
  return configs.flatMap((c) => c.Filter.Key.FilterRules.map((r) => `${r.Name}:${r.Value}`));
}

describe('invoice function', () => {
  it('runs lambdas/invoice/handler.ts bundled as ESM on Node.js 24, arm64, 1024 MB, 5 min', () => {
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 300,
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvoiceFunctionRole'), 'Arn'] },
    });
    // The invoice function, and CDK's bucket-notifications handler.
    built.invoicesTemplate.resourceCountIs('AWS::Lambda::Function', 2);
  });

  it('gets the lake bucket name and its Powertools settings from the environment', () => {
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          LAKE_BUCKET: built.invoices.resolve(built.data.lakeBucket.bucketName),
          POWERTOOLS_SERVICE_NAME: 'tokenledger-invoices',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('is retried twice by Lambda when it fails (a storage error), and logs to its own log group for a month', () => {
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^InvoiceFunction') },
      MaximumRetryAttempts: 2,
    });
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^InvoiceFunctionLogGroup') } },
    });
    built.invoicesTemplate.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('sends an invocation that failed after its retries to an encrypted, TLS-only dead-letter queue, which raises an alarm', () => {
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvoiceFunctionDeadLetterQueue'), 'Arn'] },
        },
      },
    });
    built.invoicesTemplate.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    built.invoicesTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
    built.invoicesTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
    built.invoicesTemplate.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsTopicKey'), 'Arn'] },
    });
  });

  it('has roles without AWS-managed policies', () => {
    const roles = built.invoicesTemplate.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(2);
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('S3 notifications', () => {
  it('invoke the function on ObjectCreated for exactly the three format folders', () => {
    expect(invoiceFolders()).toEqual(INVOICE_FORMATS.map((f) => `invoices/${f}/`));
    expect(notificationPrefixes().sort()).toEqual(
      ['invoices/anthropic-cost-report/', 'invoices/focus/', 'invoices/openai-costs/'].map(
        (p) => `prefix:${p}`,
      ),
    );
    built.invoicesTemplate.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: built.invoices.resolve(built.data.lakeBucket.bucketName),
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayEquals(
          INVOICE_FORMATS.map(() =>
            Match.objectEquals({
              Events: ['s3:ObjectCreated:*'],
              Filter: Match.anyValue(),
              LambdaFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvoiceFunction'), 'Arn'] },
            }),
          ),
        ),
        QueueConfigurations: Match.absent(),
        TopicConfigurations: Match.absent(),
      },
      // Merged into the bucket's notification configuration: another notification of the lake is kept.
      Managed: false,
    });
    built.invoicesTemplate.resourceCountIs('Custom::S3BucketNotifications', 1);
  });

  it('cannot be triggered by anything the function writes: invoices/rejected/ and costs/ match no filter', () => {
    const prefixes = notificationPrefixes().map((p) => p.replace(/^prefix:/, ''));
    const written = INVOICE_FORMATS.flatMap((format) => [
      `invoices/rejected/${format}/x.json`,
      `invoices/rejected/${format}/x.json.error.json`,
      `costs/${format}/0123456789abcdef0123456789abcdef.parquet`,
    ]);
    for (const key of [...written, 'invoices/rejected/unknown/x.json', 'invoices/x.json']) {
      expect(
        prefixes.filter((prefix) => key.startsWith(prefix)),
        key,
      ).toEqual([]);
    }
  });

  it('only S3 of this account, for the lake bucket, may invoke the function', () => {
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: built.invoices.resolve(built.data.lakeBucket.bucketArn),
    });
    built.invoicesTemplate.resourceCountIs('AWS::Lambda::Permission', 1);
  });

  it("are set by CDK's handler with a role that may only get and put the lake's notification configuration", () => {
    const statements = allowStatements('InvoiceFunctionNotificationsHandlerRole');
    expect(statements).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: ['<InvoiceFunctionNotificationsHandlerLogGroupD5730B58.Arn>'],
      },
      { actions: ['s3:GetBucketNotification', 's3:PutBucketNotification'], resources: [lakeArn()] },
    ]);
    built.invoicesTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Custom::S3BucketNotifications'),
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvoiceFunctionNotificationsHandlerRole'), 'Arn'] },
      LoggingConfig: {
        LogGroup: { Ref: Match.stringLikeRegexp('^InvoiceFunctionNotificationsHandlerLogGroup') },
      },
    });
  });
});

describe('invoice function permissions', () => {
  const lake = () => lakeArn();

  it('has no wildcard action and no whole-bucket object resource', () => {
    for (const { actions, resources } of allowStatements('InvoiceFunctionRole')) {
      for (const action of actions) expect(action).not.toMatch(/\*/);
      for (const resource of resources) {
        expect(resource).not.toBe('*');
        expect(resource).not.toBe(`${lake()}/*`);
      }
    }
  });

  it('reads and deletes only the three format folders, writes only invoices/rejected/ and costs/', () => {
    const byAction = new Map<string, string[]>();
    for (const { actions, resources } of allowStatements('InvoiceFunctionRole')) {
      for (const action of actions.filter((a) => a.startsWith('s3:'))) {
        byAction.set(action, [...(byAction.get(action) ?? []), ...resources].sort());
      }
    }
    const folders = INVOICE_FORMATS.map((f) => `${lake()}/invoices/${f}/*`);
    expect(Object.fromEntries(byAction)).toEqual({
      's3:GetObject': [...folders].sort(),
      's3:DeleteObject': [...folders].sort(),
      's3:PutObject': [`${lake()}/costs/*`, `${lake()}/invoices/rejected/*`].sort(),
      's3:ListBucket': [lake()],
    });
  });

  it('lists the lake only under costs/ (the check before storing an import)', () => {
    const list = allowStatements('InvoiceFunctionRole').filter((s) => s.actions.includes('s3:ListBucket'));
    expect(list.map((s) => s.condition)).toEqual([{ StringLike: { 's3:prefix': ['costs/*'] } }]);
  });

  it('writes logs only to its own log group', () => {
    const logs = allowStatements('InvoiceFunctionRole').filter((s) =>
      s.actions.some((a) => a.startsWith('logs:')),
    );
    expect(logs).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [expect.stringMatching(/^<InvoiceFunctionLogGroup.*\.Arn>$/)],
      },
    ]);
  });
});

describe('the invoice function bundle the deployment ships', () => {
  it('is the minified ESM bundle of the handler, without the AWS SDK, DuckDB, the emulators or CDK', () => {
    // Prepare: the code assets staged for the invoices stack; the function's is the folder with a .mjs file.
    const bundles = stagedBundles(built.app.outdir, 'TokenledgerInvoices');
    expect(bundles).toHaveLength(1);

    // Act
    const code = readFileSync(bundles[0] as string, 'utf8');

    // Assess
    const lines = code.split('\n').length;
    expect(lines).toBeLessThan(50);
    expect(code).toMatch(/export\s*\{[^}]*handler/);
    for (const banned of ['@duckdb/node-api', 'kinesalite', 's3rver', 'aws-cdk-lib', 'node-sql-parser'])
      expect(code).not.toContain(banned);
    expect(code).toContain('invoices/rejected/');
    expect(code.length).toBeLessThan(400_000);
  });
});
