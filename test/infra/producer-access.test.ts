import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type CfnRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../infra/constructs/event-stream.ts';
import { type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// What a platform engineer needs to connect an app (issue: "no way for an app to find or write to the stream"):
// a stream with a stable name, named stack outputs, a customer-managed producer policy, and for other accounts a
// role to assume.

const outdir = mkdtempSync(join(tmpdir(), 'tokenledger-producer-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

let built: SynthesizedApp;
let crossAccount: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
  crossAccount = synthesizeApp({
    skipBundling: true,
    appProps: { context: { producerAccountIds: '222222222222,333333333333', streamName: 'acme-llm-events' } },
  });
});
afterAll(() => {
  built.cleanup();
  crossAccount.cleanup();
});

const PRODUCER_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:DescribeStreamSummary'];

/** The named outputs of a template (not CDK's `ExportsOutput…` of cross-stack references), by name: their values. */
function outputs(template: Template): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(template.findOutputs('*'))
      .filter(([name]) => !name.startsWith('ExportsOutput'))
      .map(([name, output]) => [name, (output as { Value: unknown }).Value]),
  );
}

describe('the event stream', () => {
  it("is named 'tokenledger-events' by default, or what -c streamName says", () => {
    built.dataTemplate.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'tokenledger-events' });
    crossAccount.dataTemplate.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'acme-llm-events' });
  });
});

describe('the data stack outputs', () => {
  it('has a stable, named output for each thing an app or a person connects to', () => {
    const data = built.data;
    expect(outputs(built.dataTemplate)).toEqual({
      StreamName: data.resolve(data.eventStream.stream.streamName),
      StreamArn: data.resolve(data.eventStream.stream.streamArn),
      ProducerPolicyArn: data.resolve(data.eventStream.producerPolicy.managedPolicyArn),
      LakeBucketName: data.resolve(data.lakeBucket.bucketName),
      FailedRecordsBucketName: data.resolve(data.failedRecordsBucket.bucketName),
      AthenaWorkGroupName: 'tokenledger',
      GlueDatabaseName: 'tokenledger',
      EventsTableName: 'events',
      CostsTableName: 'costs',
      PricesTableName: 'prices',
      RevenueTableName: 'revenue',
      PromptRegistryTableName: data.resolve(data.promptRegistryTable.tableName),
    });
    // The stream name is the physical name itself, so the output says it in the template.
    expect(outputs(built.dataTemplate).StreamName).toEqual({ Ref: expect.stringMatching(/^EventStream/) });
  });

  it('adds ProducerRoleArn only when producer accounts are set', () => {
    expect(outputs(built.dataTemplate)).not.toHaveProperty('ProducerRoleArn');
    const role = crossAccount.data.eventStream.producerRole;
    expect(role).toBeDefined();
    expect(outputs(crossAccount.dataTemplate).ProducerRoleArn).toEqual(
      crossAccount.data.resolve(role?.roleArn),
    );
  });

  it('the other stacks output nothing but the DKIM records of a domain sender, the user-id HMAC secret and the spend alerts topic', () => {
    expect(outputs(built.invoicesTemplate)).toEqual({});
    const reports = built.reports;
    expect(outputs(built.reportsTemplate)).toEqual({
      SpendAlertsTopicArn: reports.resolve(reports.pageTopic.topic.topicArn),
    });
    expect(Object.keys(outputs(built.ingestTemplate))).toEqual(['UserHmacSecretArn']);
  });
});

describe('the producer policy', () => {
  it('is a customer-managed policy: PutRecord, PutRecords and DescribeStreamSummary on the stream, nothing else', () => {
    const data = built.data;
    const policies = built.dataTemplate.findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const [policy] = Object.values(policies);
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: PRODUCER_ACTIONS,
        Effect: 'Allow',
        Resource: data.resolve(data.eventStream.stream.streamArn),
      },
    ]);
    // Attached to nothing by the stack: the app's role attaches it (its ARN is the ProducerPolicyArn output).
    expect(policy?.Properties.Roles).toBeUndefined();
    expect(policy?.Properties.Users).toBeUndefined();
  });

  it('adds kms:GenerateDataKey on the key when the stream has a customer-managed key', () => {
    const stack = new Stack(new App({ outdir }), 'Test');
    const key = new Key(stack, 'StreamKey', { enableKeyRotation: true });
    const events = new EventStream(stack, 'Events', { encryptionKey: key });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: stack.resolve(key.keyArn) },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.exact([
          { Action: PRODUCER_ACTIONS, Effect: 'Allow', Resource: stack.resolve(events.stream.streamArn) },
          { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: stack.resolve(key.keyArn) },
        ]),
      },
    });
  });

  it('rejects a stream name Kinesis refuses and an account id that is not one', () => {
    const stack = () => new Stack(new App({ outdir }), 'Test');
    expect(() => new EventStream(stack(), 'Events', { streamName: 'a b' })).toThrow(
      "EventStream Events: streamName must be 1-128 of a-z A-Z 0-9 _ . -, got 'a b'",
    );
    expect(() => new EventStream(stack(), 'Events', { producerAccountIds: ['12'] })).toThrow(
      "EventStream Events: producerAccountIds must be AWS account ids (12 digits), got '12'",
    );
  });

  it('eventStream.grantWrite is still PutRecord and PutRecords only (for roles of this CDK app)', () => {
    const stack = new Stack(new App({ outdir }), 'Test');
    const events = new EventStream(stack, 'Events');
    const role = new Role(stack, 'R', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    events.grantWrite(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['kinesis:PutRecord', 'kinesis:PutRecords'],
            Effect: 'Allow',
            Resource: Match.anyValue(),
          },
        ],
      },
    });
  });
});

describe('the cross-account producer role', () => {
  it('is assumable by the producer accounts only, with the producer policy and nothing else', () => {
    const data = crossAccount.data;
    const roles = crossAccount.dataTemplate.findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('^tokenledger: assumed by producer apps') },
    });
    expect(Object.values(roles)).toHaveLength(1);
    const [role] = Object.values(roles);
    if (!role) throw new Error('no producer role');
    const principals = (
      role.Properties.AssumeRolePolicyDocument.Statement as { Principal: { AWS: unknown } }[]
    )
      .flatMap((s) => [s.Principal.AWS].flat())
      .map((p) => JSON.stringify(p));
    expect(principals.sort()).toEqual(
      ['222222222222', '333333333333'].map((account) =>
        JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] }),
      ),
    );
    expect(role?.Properties.ManagedPolicyArns).toEqual([
      data.resolve(data.eventStream.producerPolicy.managedPolicyArn),
    ]);
    expect(role?.Properties.Policies).toBeUndefined();
    expect(
      crossAccount.dataTemplate.findResources('AWS::IAM::Policy', {
        Properties: {
          Roles: [data.resolve(((data.eventStream.producerRole as Role).node.defaultChild as CfnRole).ref)],
        },
      }),
    ).toEqual({});
  });

  it('leaves cdk-nag (AwsSolutions and Serverless) with nothing unacknowledged', () => {
    const app = crossAccount.app;
    const violations = [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => `${v.severity} ${v.ruleName} @ ${r.constructPath}`),
        ),
    );
    expect(violations).toEqual([]);
  });
});
