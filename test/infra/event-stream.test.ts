import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccountPrincipal, type CfnRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../infra/constructs/event-stream.ts';
import { createTokenledgerApp } from '../../infra/tokenledger-app.ts';

// EventStream.grantWrite: what a producer app's role gets — PutRecord and PutRecords on the stream, nothing else.

const outdir = mkdtempSync(join(tmpdir(), 'tokenledger-event-stream-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const WRITE_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords'];

/** The statements of every AWS::IAM::Policy of a template. */
function policyStatements(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );
}

describe('EventStream.grantWrite', () => {
  it('gives a role of the same stack exactly PutRecord and PutRecords on the stream ARN', () => {
    const stack = new Stack(new App({ outdir }), 'Test');
    const events = new EventStream(stack, 'Events');
    const role = new Role(stack, 'Producer', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });

    const grant = events.grantWrite(role);

    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.exact([
          {
            Action: WRITE_ACTIONS,
            Effect: 'Allow',
            Resource: stack.resolve(events.stream.streamArn),
          },
        ]),
      },
      Roles: [stack.resolve((role.node.defaultChild as CfnRole).ref)],
    });
    // One policy, one statement: no kinesis:ListShards (Stream.grantWrite adds it) and no KMS action (the
    // stream's key is AWS-managed), and no resource policy on the stream for a principal of its own account.
    expect(policyStatements(template)).toHaveLength(1);
    template.resourceCountIs('AWS::Kinesis::ResourcePolicy', 0);
  });

  it('gives a producer stack of the app write on the data stack stream and nothing on the lake bucket', () => {
    const built = createTokenledgerApp({
      appProps: { outdir, context: { 'aws:cdk:bundling-stacks': [] } },
    });
    const producer = new Stack(built.app, 'Producer');
    const role = new Role(producer, 'AppRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });

    built.data.eventStream.grantWrite(role);

    const template = Template.fromStack(producer);
    // The stream ARN, imported from the data stack's export.
    const streamArn = producer.resolve(built.data.eventStream.stream.streamArn);
    expect(streamArn).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^TokenledgerData:/) });
    expect(policyStatements(template)).toEqual([
      { Action: WRITE_ACTIONS, Effect: 'Allow', Resource: streamArn },
    ]);
    // Nothing of the producer's template names the lake bucket (its name, ARN or an export of them) ...
    const lakeBucketId = built.data.getLogicalId(built.data.lakeBucket.node.defaultChild as CfnElement);
    expect(JSON.stringify(template.toJSON())).not.toContain(lakeBucketId);
    // ... and the data stack grants the role nothing (no bucket or stream resource policy names it).
    const dataTemplate = Template.fromStack(built.data);
    expect(JSON.stringify(dataTemplate.toJSON())).not.toContain('AppRole');
    dataTemplate.resourceCountIs('AWS::Kinesis::ResourcePolicy', 0);
  });

  it('gives a principal of another account the same two actions through the stream resource policy', () => {
    const stack = new Stack(new App({ outdir }), 'Test', {
      env: { account: '111111111111', region: 'eu-west-1' },
    });
    const events = new EventStream(stack, 'Events');

    events.grantWrite(new AccountPrincipal('222222222222'));

    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::ResourcePolicy', {
      ResourceArn: stack.resolve(events.stream.streamArn),
      ResourcePolicy: {
        Statement: Match.exact([
          {
            Action: WRITE_ACTIONS,
            Effect: 'Allow',
            Principal: { AWS: Match.anyValue() },
            Resource: stack.resolve(events.stream.streamArn),
          },
        ]),
      },
    });
  });
});
