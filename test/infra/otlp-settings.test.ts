import { Errors } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNagAcknowledgments } from '../../infra/nag-acknowledgments.ts';
import { OTLP_SETTING_SPECS } from '../../src/core/otlp/otlp-settings.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// Issue 15, deployment: the four OTLP settings are context keys of the app (one schema with the ingest function's
// environment: parseOtlpSettings), set as the function's OTLP_* variables; the user-id HMAC key is a Secrets
// Manager secret the ingest stack creates (generated, never rotated, retained) or imports (otlpUserHmacSecret), which
// only the ingest function may read, and which it finds in USER_HMAC_SECRET.

const built: SynthesizedApp[] = [];
function synth(context: Record<string, unknown> = {}): SynthesizedApp {
  const app = synthesizeApp({ skipBundling: true, appProps: { context } });
  built.push(app);
  return app;
}
afterAll(() => {
  for (const app of built) app.cleanup();
});

let plain: SynthesizedApp;
beforeAll(() => {
  plain = synth();
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every IAM policy statement of the four stacks, with the roles its policy is attached to (logical ids). */
function statements(app: SynthesizedApp) {
  const templates: Template[] = [
    app.dataTemplate,
    app.ingestTemplate,
    app.invoicesTemplate,
    app.reportsTemplate,
  ];
  return templates.flatMap((t) =>
    Object.values(t.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).map((s) => ({
        roles: (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref),
        effect: s.Effect,
        actions: [s.Action].flat(),
        resources: [s.Resource].flat().map(cfnString),
        condition: s.Condition,
      })),
    ),
  );
}

const secretStatements = (app: SynthesizedApp) =>
  statements(app).filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));

function ingestVariables(app: SynthesizedApp): Record<string, unknown> {
  const fns = Object.values(app.ingestTemplate.findResources('AWS::Lambda::Function'));
  expect(fns).toHaveLength(1);
  return fns[0]?.Properties.Environment.Variables as Record<string, unknown>;
}

const roleId = (app: SynthesizedApp) =>
  app.ingest.resolve(app.ingest.ingestFunction.role.roleName).Ref as string;

function secretId(app: SynthesizedApp): string {
  const ids = Object.keys(app.ingestTemplate.findResources('AWS::SecretsManager::Secret'));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

function violations(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(scope), new ServerlessChecks(scope)].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
  );
}

describe('the user-id HMAC secret the ingest stack creates', () => {
  it('is generated (64 letters and digits), retained, never rotated, and in the ingest stack only', () => {
    plain.ingestTemplate.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: Match.objectEquals({
          PasswordLength: 64,
          ExcludePunctuation: true,
          IncludeSpace: false,
        }),
        KmsKeyId: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    plain.ingestTemplate.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    plain.ingestTemplate.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    for (const t of [plain.dataTemplate, plain.invoicesTemplate, plain.reportsTemplate])
      t.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('is read only by the ingest function, GetSecretValue only, on that secret only', () => {
    expect(secretStatements(plain)).toEqual([
      {
        roles: [roleId(plain)],
        effect: 'Allow',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [`<${secretId(plain)}>`],
        condition: undefined,
      },
    ]);
    // No KMS grant: the secret uses Secrets Manager's AWS managed key when the lake has no customer managed key.
    expect(
      statements(plain).filter((s) => s.actions.includes('kms:Decrypt') && s.roles.includes(roleId(plain))),
    ).toEqual([]);
  });

  it('is named to the function in USER_HMAC_SECRET, with no OTLP_* variable while the settings are the defaults', () => {
    const vars = ingestVariables(plain);
    expect(vars.USER_HMAC_SECRET).toEqual({ Ref: secretId(plain) });
    expect(Object.keys(vars).filter((name) => name.startsWith('OTLP_'))).toEqual([]);
  });

  it('is a stack output, UserHmacSecretArn', () => {
    plain.ingestTemplate.hasOutput('UserHmacSecretArn', { Value: { Ref: secretId(plain) } });
  });

  it('is encrypted with the lake key when the lake has one, decrypted by the function through Secrets Manager only', () => {
    const kms = synth({ lakeEncryption: 'kms' });
    const lakeKey = kms.ingest.resolve(kms.data.lakeBucket.encryptionKey?.keyArn);
    kms.ingestTemplate.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: lakeKey });
    const decrypt = statements(kms).filter(
      (s) => s.roles.includes(roleId(kms)) && s.actions.includes('kms:Decrypt'),
    );
    expect(decrypt).toEqual([
      {
        roles: [roleId(kms)],
        effect: 'Allow',
        actions: ['kms:Decrypt'],
        resources: [cfnString(lakeKey)],
        condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
          },
        },
      },
    ]);
    // The data stack's key policy is left as it is (it trusts the account's IAM policies).
    expect(JSON.stringify(kms.dataTemplate.toJSON())).not.toContain('secretsmanager');
    expect(violations(kms.app)).toEqual([]);
  });

  it('acknowledges AwsSolutions-SMG4 (no rotation) on the secret only, saying why', () => {
    const smg4 = plain.app.node
      .findAll()
      .filter((c) => listNagAcknowledgments(c).some(({ id }) => id === 'AwsSolutions-SMG4'))
      .map((c) => c.node.path);
    // findAll lists ancestors too: the deepest one is the construct the acknowledgment is on.
    expect(smg4.at(-1)).toBe(plain.ingest.userHmacSecret.created?.node.path);
    const [ack] = listNagAcknowledgments(plain.app).filter(({ id }) => id === 'AwsSolutions-SMG4');
    expect(ack?.reason).toMatch(/every user hash/);
    expect(violations(plain.app)).toEqual([]);
  });
});

describe('an existing secret (-c otlpUserHmacSecret)', () => {
  it('by name: none is created; the function reads that one (every version suffix) and is given its name', () => {
    const app = synth({ otlpUserHmacSecret: 'acme/tokenledger-hmac-key' });
    app.ingestTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(ingestVariables(app).USER_HMAC_SECRET).toBe('acme/tokenledger-hmac-key');
    expect(secretStatements(app)).toEqual([
      {
        roles: [roleId(app)],
        effect: 'Allow',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:acme/tokenledger-hmac-key-??????',
        ],
        condition: undefined,
      },
    ]);
    expect(listNagAcknowledgments(app.app).map(({ id }) => id)).not.toContain('AwsSolutions-SMG4');
    expect(violations(app.app)).toEqual([]);
  });

  it('by complete ARN: exactly that secret; by partial ARN: its versions', () => {
    const complete = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/hmac-AbC123';
    const byArn = synth({ otlpUserHmacSecret: complete });
    expect(ingestVariables(byArn).USER_HMAC_SECRET).toBe(complete);
    expect(secretStatements(byArn).flatMap((s) => s.resources)).toEqual([complete]);
    byArn.ingestTemplate.hasOutput('UserHmacSecretArn', { Value: complete });

    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/hmac';
    const byPartial = synth({ otlpUserHmacSecret: partial });
    expect(ingestVariables(byPartial).USER_HMAC_SECRET).toBe(partial);
    expect(secretStatements(byPartial).flatMap((s) => s.resources)).toEqual([`${partial}-??????`]);
  });
});

describe('the OTLP attribute settings', () => {
  it('-c otlp…=… set the function’s OTLP_* variables, read by the same parser', () => {
    const app = synth({
      otlpFeatureAttribute: 'app.feature',
      otlpCohortAttribute: 'app.plan',
      otlpCustomerAttribute: 'app.tenant_id',
      otlpUserAttributes: 'app.user_id, enduser.id',
    });
    expect(ingestVariables(app)).toMatchObject({
      OTLP_FEATURE_ATTRIBUTE: 'app.feature',
      OTLP_COHORT_ATTRIBUTE: 'app.plan',
      OTLP_CUSTOMER_ATTRIBUTE: 'app.tenant_id',
      OTLP_USER_ATTRIBUTES: 'app.user_id,enduser.id',
    });
    // Each setting's context key and variable are the ones OTLP_SETTING_SPECS names.
    expect(OTLP_SETTING_SPECS.map((s) => [s.context, s.env])).toEqual([
      ['otlpFeatureAttribute', 'OTLP_FEATURE_ATTRIBUTE'],
      ['otlpCohortAttribute', 'OTLP_COHORT_ATTRIBUTE'],
      ['otlpCustomerAttribute', 'OTLP_CUSTOMER_ATTRIBUTE'],
      ['otlpUserAttributes', 'OTLP_USER_ATTRIBUTES'],
    ]);
  });

  it('takes a cdk.json list for otlpUserAttributes; a default value sets no variable', () => {
    const app = synth({
      otlpUserAttributes: ['app.user_id', 'enduser.id'],
      otlpFeatureAttribute: 'tokenledger.feature',
    });
    const vars = ingestVariables(app);
    expect(vars.OTLP_USER_ATTRIBUTES).toBe('app.user_id,enduser.id');
    expect(vars.OTLP_FEATURE_ATTRIBUTE).toBeUndefined();
  });
});

describe('bad values fail synthesis, naming the key', () => {
  it.each<[Record<string, unknown>, string]>([
    [
      { otlpFeatureAttribute: 'app feature' },
      'context otlpFeatureAttribute must be an attribute key matching /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,254}$/, got "app feature"',
    ],
    [{ otlpCohortAttribute: '.plan' }, 'context otlpCohortAttribute must be an attribute key matching'],
    [{ otlpCustomerAttribute: 42 }, 'context otlpCustomerAttribute must be an attribute key matching'],
    [
      { otlpUserAttributes: 'a,b,c,d,e,f,g,h,i' },
      'context otlpUserAttributes must be 1 to 8 comma-separated attribute keys, each matching',
    ],
    [
      { otlpUserAttributes: ' , ' },
      'context otlpUserAttributes must be 1 to 8 comma-separated attribute keys',
    ],
    [
      { otlpUserHmacSecret: 'my secret' },
      'context otlpUserHmacSecret must be a Secrets Manager secret name (1-512 of a-z A-Z 0-9 / _ + = . @ -) or ARN (arn:aws:secretsmanager:…), got "my secret"',
    ],
    [
      { otlpUserHmacSecret: 'arn:aws:s3:::lake' },
      'context otlpUserHmacSecret must be a Secrets Manager secret',
    ],
  ])('%j', (context, message) => {
    let error: unknown;
    try {
      synth(context);
    } catch (err) {
      error = err;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });

  it('a typed prop is checked by the same parser, naming the prop', () => {
    expect(() =>
      synthesizeApp({ skipBundling: true, ingest: { otlpFeatureAttribute: 'app feature' } }),
    ).toThrow('IngestFunction IngestFunction: otlpFeatureAttribute: expected an attribute key matching');
  });
});
