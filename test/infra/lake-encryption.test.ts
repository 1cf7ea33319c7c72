import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataStack } from '../../infra/stacks/data-stack.ts';
import { FEATURE_FLAGS } from '../../infra/tokenledger-app.ts';
import { REPORT_KINDS } from '../../src/reports/report-period.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// The lakeEncryption option: SSE-S3 by default, a customer managed KMS key on request, and the key granted to each
// role only for what it does with the buckets, only through S3.

let sse: SynthesizedApp;
let kms: SynthesizedApp;
beforeAll(() => {
  sse = synthesizeApp({ skipBundling: true });
  kms = synthesizeApp({ skipBundling: true, appProps: { context: { lakeEncryption: 'kms' } } });
});
afterAll(() => {
  sse.cleanup();
  kms.cleanup();
});

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
const resources = (t: Template) => Object.entries(t.toJSON().Resources as Record<string, Resource>);

/** Each bucket's logical id prefix and its default server-side encryption rule. */
function bucketEncryption(t: Template): Record<string, unknown> {
  return Object.fromEntries(
    resources(t)
      .filter(([, r]) => r.Type === 'AWS::S3::Bucket')
      .map(([id, r]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        (r.Properties.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] })
          .ServerSideEncryptionConfiguration[0],
      ]),
  );
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The logical id of a construct's CloudFormation resource in its stack. */
const logicalIdOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;

/**
 * The spend alerts job's one KMS statement that is not about the lake: it publishes to its page topic, encrypted with
 * the topic's own key (not a lake key), so it may use that key directly — not through S3.
 */
function pageKeyStatement(app: SynthesizedApp) {
  return {
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resource: cfnString(app.reports.resolve(app.reports.pageTopic.topicKey.keyArn)),
    condition: undefined,
  };
}

/** The KMS statements of the IAM policies of roles whose logical id starts with `rolePrefix`. */
function kmsStatements(t: Template, rolePrefix: string) {
  // A role's statements may be split between its inline policy and managed policies CDK adds when it grows.
  return resources(t)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter(([, r]) =>
      ((r.Properties.Roles ?? []) as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)),
    )
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))
    .map((s) => ({
      actions: [s.Action].flat().sort(),
      resource: cfnString(s.Resource),
      condition: s.Condition,
    }));
}

describe('default: SSE-S3', () => {
  it('creates no KMS key for the data and encrypts every bucket with S3-managed keys', () => {
    sse.dataTemplate.resourceCountIs('AWS::KMS::Key', 0);
    for (const rule of Object.values(bucketEncryption(sse.dataTemplate))) {
      expect(rule).toEqual({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
    }
    sse.dataTemplate.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
      },
    });
    expect(Object.keys(sse.dataTemplate.findOutputs('LakeKeyArn'))).toEqual([]);
  });

  it('grants no role a KMS action on the buckets (the alerts job has one on its page topic key only)', () => {
    for (const t of [sse.ingestTemplate, sse.invoicesTemplate, sse.dataTemplate]) {
      expect(kmsStatements(t, '')).toEqual([]);
    }
    // The one KMS statement of the reports stack: the alerts role's, on the SpendAlertPages topic key.
    const page = pageKeyStatement(sse);
    expect(page.resource).toMatch(/^<SpendAlertPagesTopicKey[0-9A-F]{8}\.Arn>$/);
    expect(kmsStatements(sse.reportsTemplate, '')).toEqual([page]);
    const alertsRole = logicalIdOf(sse.reports, sse.reports.jobs.alerts.role);
    expect(kmsStatements(sse.reportsTemplate, alertsRole)).toEqual([page]);
  });
});

describe('lakeEncryption=kms', () => {
  const keyId = () => Object.keys(kms.dataTemplate.findResources('AWS::KMS::Key'))[0] as string;
  const keyArn = () => `<${keyId()}.Arn>`;
  /** The key's ARN as a stateless stack imports it. */
  const importedKeyArn = (stack: Stack) => cfnString(stack.resolve(kms.data.lakeKey?.keyArn));
  const viaS3 = {
    StringEquals: {
      'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
    },
  };

  it('creates one rotated, retained key', () => {
    kms.dataTemplate.resourceCountIs('AWS::KMS::Key', 1);
    kms.dataTemplate.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('encrypts the lake, the results and the failed records with it (Bucket Key on), the access logs with SSE-S3', () => {
    const kmsRule = {
      ServerSideEncryptionByDefault: {
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: { 'Fn::GetAtt': [keyId(), 'Arn'] },
      },
      BucketKeyEnabled: true,
    };
    const rules = bucketEncryption(kms.dataTemplate);
    expect(Object.keys(rules).sort()).toEqual(
      ['AccessLogsBucket', 'FailedRecordsBucket', 'LakeBucket', 'QueryWorkgroupResultsBucket'].sort(),
    );
    expect(rules).toEqual({
      AccessLogsBucket: { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      LakeBucket: kmsRule,
      FailedRecordsBucket: kmsRule,
      QueryWorkgroupResultsBucket: kmsRule,
    });
  });

  it('enforces SSE-KMS with the key on every query result of the workgroup', () => {
    kms.dataTemplate.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: {
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [keyId(), 'Arn'] },
          },
        },
      },
    });
  });

  it('outputs the key ARN for analysts', () => {
    kms.dataTemplate.hasOutput('LakeKeyArn', { Value: { 'Fn::GetAtt': [keyId(), 'Arn'] } });
  });

  it('lets the ingest function only generate data keys through S3 (it writes, never reads), and decrypt its HMAC secret through Secrets Manager', () => {
    const statements = kmsStatements(kms.ingestTemplate, 'IngestFunction');
    const viaSecretsManager = {
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    };
    const throughS3 = statements.filter((s) => JSON.stringify(s.condition).includes('"s3."'));
    expect(throughS3.length).toBeGreaterThan(0);
    for (const s of throughS3) {
      expect(s).toEqual({
        actions: ['kms:GenerateDataKey'],
        resource: importedKeyArn(kms.ingest),
        condition: viaS3,
      });
    }
    // The user-id HMAC secret is encrypted with the lake key: the function may decrypt it, only as Secrets Manager
    // reads it for the function.
    expect(statements.filter((s) => !throughS3.includes(s))).toEqual([
      { actions: ['kms:Decrypt'], resource: importedKeyArn(kms.ingest), condition: viaSecretsManager },
    ]);
  });

  it('lets the invoice function and each report job decrypt and generate data keys, through S3 only', () => {
    const invoice = kmsStatements(kms.invoicesTemplate, 'InvoiceFunction');
    // The alerts job's statement on its page topic key is no lake grant: set apart by its resource, checked below.
    const page = pageKeyStatement(kms);
    expect(page.resource).not.toBe(importedKeyArn(kms.reports));
    const all = kmsStatements(kms.reportsTemplate, '');
    const reports = all.filter((s) => s.resource !== page.resource);
    expect(all.filter((s) => s.resource === page.resource)).toEqual([page]);
    expect(invoice.length).toBeGreaterThan(0);
    expect(reports.length).toBeGreaterThanOrEqual(REPORT_KINDS.length);
    for (const s of invoice) {
      expect(s).toEqual({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resource: importedKeyArn(kms.invoices),
        condition: viaS3,
      });
    }
    for (const s of reports) {
      expect(s).toEqual({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resource: importedKeyArn(kms.reports),
        condition: viaS3,
      });
    }
    // Each report job's role: the lake key through S3, and for the alerts job alone, its page topic key.
    for (const kind of REPORT_KINDS) {
      const role = kmsStatements(kms.reportsTemplate, logicalIdOf(kms.reports, kms.reports.jobs[kind].role));
      expect(role.filter((s) => s.resource === importedKeyArn(kms.reports)).length, kind).toBeGreaterThan(0);
      expect(
        role.filter((s) => s.resource !== importedKeyArn(kms.reports)),
        kind,
      ).toEqual(kind === 'alerts' ? [page] : []);
    }
  });

  it('lets the data stack helpers (price book upload, views) use the key only through S3, on that key only', () => {
    const statements = kmsStatements(kms.dataTemplate, '');
    expect(statements.length).toBeGreaterThanOrEqual(2);
    for (const s of statements) expect(s).toMatchObject({ resource: keyArn(), condition: viaS3 });
  });

  it('passes the AwsSolutions and Serverless packs with nothing new to acknowledge', () => {
    const violations = [new AwsSolutionsChecks(kms.app), new ServerlessChecks(kms.app)].flatMap((pack) =>
      pack
        .validateScope(kms.app)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
    );
    expect(violations).toEqual([]);
  });
});

describe('lakeEncryptionKey', () => {
  it('encrypts with a key the app gives, and creates none', () => {
    const app = new App({ context: FEATURE_FLAGS });
    const keys = new Stack(app, 'Keys');
    const key = new Key(keys, 'FinanceKey', { enableKeyRotation: true });
    const data = new DataStack(app, 'Data', { lakeEncryptionKey: key });
    const t = Template.fromStack(data);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
    expect(data.lakeKey).toBe(key);
  });

  it("refuses a key together with lakeEncryption 's3', naming both", () => {
    const app = new App({ context: FEATURE_FLAGS });
    const key = new Key(new Stack(app, 'Keys'), 'FinanceKey');
    expect(() => new DataStack(app, 'Data', { lakeEncryption: 's3', lakeEncryptionKey: key })).toThrow(
      /lakeEncryptionKey.*lakeEncryption is 's3'/,
    );
  });
});
