import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewFiles } from '../../src/queries/query-files.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
});
afterAll(() => built.cleanup());

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

/** The logical id of an L1 resource, or of an L2's default child, in the data stack. */
function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return built.data.resolve(element.logicalId);
}

/** The statements of the inline policies attached to a role, with resources as cdk-nag prints them. */
function statementsOf(role: IConstruct): { actions: string[]; resources: string[] }[] {
  const policies = built.dataTemplate.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: logicalId(role) }] },
  });
  return Object.values(policies).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).map((s) => ({
      actions: [s.Action].flat(),
      resources: [s.Resource].flat().map(cfnString),
    })),
  );
}

describe('Athena views custom resource', () => {
  it('carries every view file, name and SQL, in creation order', () => {
    const views = viewFiles();
    expect(views.length).toBeGreaterThan(0);
    built.dataTemplate.resourceCountIs('Custom::AthenaViews', 1);
    built.dataTemplate.hasResourceProperties('Custom::AthenaViews', {
      ServiceToken: Match.anyValue(),
      Views: views.map(({ name, sql }) => ({ name, sql })),
    });
  });

  it('is created after the database, the workgroup and the four tables', () => {
    const [resource] = Object.values(built.dataTemplate.findResources('Custom::AthenaViews'));
    const { data } = built;
    expect(resource?.DependsOn).toEqual(
      expect.arrayContaining([
        logicalId(data.queryWorkgroup.workGroup),
        logicalId(data.lakeDatabase.database),
        logicalId(data.eventsTable.table),
        logicalId(data.costsTable.table),
        logicalId(data.pricesTable.table),
        logicalId(data.revenueTable.table),
      ]),
    );
  });
});

describe('views function', () => {
  it('is Node.js 24 on arm64, with the workgroup and database in its environment and a 5 minute timeout', () => {
    built.dataTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^tokenledger views'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      Role: { 'Fn::GetAtt': [logicalId(built.data.athenaViews.role), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logicalId(built.data.athenaViews.logGroup) } },
      Environment: {
        Variables: Match.objectLike({ ATHENA_WORKGROUP: 'tokenledger', GLUE_DATABASE: 'tokenledger' }),
      },
    });
  });

  it('logs to its own log group, with a retention', () => {
    built.dataTemplate.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
    });
    const groups = built.dataTemplate.findResources('AWS::Logs::LogGroup');
    expect(groups[logicalId(built.data.athenaViews.logGroup)]?.Properties.RetentionInDays).toBe(30);
  });

  it('runs Athena queries in the tokenledger workgroup only', () => {
    const athena = statementsOf(built.data.athenaViews.role).filter((s) =>
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
        resources: ['arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/tokenledger'],
      },
    ]);
  });

  it('changes table definitions of the lake database only, and reads and writes only Athena results', () => {
    const statements = statementsOf(built.data.athenaViews.role);
    const glue = statements.filter((s) => s.actions.some((a) => a.startsWith('glue:')));
    const glueArn = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>';
    expect(glue).toEqual([
      {
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:DeleteTable',
        ],
        resources: [
          `${glueArn}:catalog`,
          `${glueArn}:database/tokenledger`,
          `${glueArn}:table/tokenledger/*`,
        ],
      },
    ]);
    const results = `<${logicalId(built.data.queryWorkgroup.resultsBucket)}.Arn>`;
    const s3 = statements.filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    expect(s3.flatMap((s) => s.resources).sort()).toEqual([results, `${results}/results/*`].sort());
    for (const { actions, resources } of statements) {
      expect(actions.every((a) => !a.includes('*'))).toBe(true);
      expect(resources).not.toContain('*');
      // Nothing on the lake (or any other bucket) than the Athena results bucket.
      for (const r of resources.filter((r) => r.includes('Bucket')))
        expect(r.startsWith(results), r).toBe(true);
    }
  });

  it('has no AWS-managed policy, and neither has the framework role', () => {
    const roles = built.dataTemplate.findResources('AWS::IAM::Role');
    for (const role of [built.data.athenaViews.role, built.data.athenaViews.framework.role]) {
      expect(roles[logicalId(role)]?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('Provider framework function', () => {
  it('runs with its own role and log group and may invoke only the views function', () => {
    const views = built.data.athenaViews;
    built.dataTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('AWS CDK resource provider framework - onEvent'),
      Role: { 'Fn::GetAtt': [logicalId(views.framework.role), 'Arn'] },
      LoggingConfig: Match.objectLike({ LogGroup: { Ref: logicalId(views.framework.logGroup) } }),
    });
    const fn = `<${logicalId(views.function)}.Arn>`;
    const lambda = statementsOf(views.framework.role).filter((s) =>
      s.actions.some((a) => a.startsWith('lambda:')),
    );
    expect(lambda).toEqual([{ actions: ['lambda:InvokeFunction', 'lambda:GetFunction'], resources: [fn] }]);
  });
});
