import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Errors } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_KEYS, SETTINGS, type SettingKey, type TokenledgerSettings } from '../../infra/settings.ts';
import { REPORTS_CONTEXT_KEYS, REPORTS_FUNCTION_CONTEXT_KEYS } from '../../infra/stacks/reports-stack.ts';
import {
  createTokenledgerApp,
  type TokenledgerApp,
  type TokenledgerAppOptions,
} from '../../infra/tokenledger-app.ts';

// Every deploy-time setting is a context key (`-c key=value`, cdk.json) or a key of createTokenledgerApp's
// `settings`, checked by one zod schema (infra/settings.ts): each one changes the synthesized template, a bad value
// or an unknown key fails synthesis naming the key, and docs/deploying.md lists exactly these keys.

const ROOT = new URL('../../', import.meta.url);
const outdir = mkdtempSync(join(tmpdir(), 'tokenledger-settings-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function app(options: TokenledgerAppOptions = {}): TokenledgerApp {
  return createTokenledgerApp({
    ...options,
    appProps: {
      outdir,
      ...options.appProps,
      context: { 'aws:cdk:bundling-stacks': [], ...options.appProps?.context },
    },
  });
}

/** The app built with `context` (as `-c` gives it: text), or the error it throws. */
const withContext = (context: Record<string, unknown>) => app({ appProps: { context } });

type StackName = 'data' | 'ingest' | 'invoices' | 'reports';
const STACKS: readonly StackName[] = ['data', 'ingest', 'invoices', 'reports'];
const templates = (built: TokenledgerApp) =>
  Object.fromEntries(STACKS.map((name) => [name, Template.fromStack(built[name]).toJSON()])) as Record<
    StackName,
    unknown
  >;

/** A value other than the default for each setting, as `-c` would give it, and the stacks it must change. */
const SAMPLES: Record<SettingKey, [string, readonly StackName[]]> = {
  streamName: ['acme-llm-events', ['data']],
  streamRetention: ['48', ['data']],
  producerAccountIds: ['222222222222,333333333333', ['data']],
  lakeVersioned: ['false', ['data']],
  // The key's ARN reaches the stateless stacks' roles (granted through S3 only).
  lakeEncryption: ['kms', ['data', 'ingest', 'invoices', 'reports']],
  databaseName: ['ledger', ['data', 'reports']],
  workGroupName: ['ledger', ['data', 'reports']],
  bytesScannedCutoffPerQuery: ['1000000000', ['data']],
  queryResultsExpiration: ['7', ['data']],
  accessLogsExpiration: ['90d', ['data']],
  alarmEmail: ['ops@example.com', ['ingest', 'invoices', 'reports']],
  batchSize: ['500', ['ingest']],
  maxBatchingWindow: ['10', ['ingest']],
  maxRecordAge: ['1h', ['ingest']],
  parallelizationFactor: ['2', ['ingest']],
  ingestRetryAttempts: ['3', ['ingest']],
  ingestMemorySize: ['2048', ['ingest']],
  ingestTimeout: ['60', ['ingest']],
  ingestLogRetention: ['90', ['ingest']],
  ingestTracing: ['active', ['ingest']],
  ingestReservedConcurrency: ['10', ['ingest']],
  iteratorAgeThreshold: ['10m', ['ingest']],
  iteratorAgeEvaluationPeriods: ['5', ['ingest']],
  quarantineRateThreshold: ['0.1', ['ingest']],
  quarantineRateMinEvents: ['500', ['ingest']],
  otlpFeatureAttribute: ['app.feature', ['ingest']],
  otlpCohortAttribute: ['app.cohort', ['ingest']],
  otlpCustomerAttribute: ['app.customer', ['ingest']],
  otlpUserAttributes: ['app.user_id,enduser.id', ['ingest']],
  otlpUserHmacSecret: ['acme/tokenledger-hmac-key', ['ingest']],
  invoiceMemorySize: ['2048', ['invoices']],
  invoiceTimeout: ['600', ['invoices']],
  invoiceLogRetention: ['90', ['invoices']],
  invoiceRetryAttempts: ['1', ['invoices']],
  reportsMemorySize: ['1024', ['reports']],
  reportsTimeout: ['300', ['reports']],
  reportsLogRetention: ['90', ['reports']],
  reportsRetryAttempts: ['1', ['reports']],
  reportsMaxEventAge: ['2h', ['reports']],
};

let defaults: Record<StackName, unknown>;
beforeAll(() => {
  defaults = templates(app());
});

describe('every setting is settable as CDK context', () => {
  it('the issue examples: -c streamRetention=48 -c batchSize=500 reach the stream and the event source mapping', () => {
    const built = withContext({ streamRetention: '48', batchSize: '500' });
    Template.fromStack(built.data).hasResourceProperties('AWS::Kinesis::Stream', {
      RetentionPeriodHours: 48,
    });
    Template.fromStack(built.ingest).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
    });
  });

  it.each(Object.entries(SAMPLES))('-c %s=… changes its stack and only its stack', (key, [value, stacks]) => {
    const changed = templates(withContext({ [key]: value }));
    for (const name of STACKS) {
      if (stacks.includes(name)) expect(changed[name], `${key} changes ${name}`).not.toEqual(defaults[name]);
      else expect(changed[name], `${key} leaves ${name} alone`).toEqual(defaults[name]);
    }
  });

  it('has a sample for every setting, and the report keys are known too', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(SETTINGS).sort());
    expect(SETTING_KEYS).toEqual([...Object.keys(SETTINGS), ...REPORTS_CONTEXT_KEYS].sort());
    expect([...REPORTS_FUNCTION_CONTEXT_KEYS].sort()).toEqual(
      Object.entries(SETTINGS)
        .filter(([, spec]) => spec.stack === 'reports')
        .map(([key]) => key)
        .sort(),
    );
  });

  it('takes cdk.json JSON values as well as -c text, and units on durations', () => {
    const built = withContext({
      streamRetention: '7d',
      batchSize: 250,
      lakeVersioned: false,
      producerAccountIds: ['222222222222'],
      maxBatchingWindow: 0,
      ingestReservedConcurrency: 'none',
    });
    const data = Template.fromStack(built.data);
    data.hasResourceProperties('AWS::Kinesis::Stream', { RetentionPeriodHours: 168 });
    const ingest = Template.fromStack(built.ingest);
    ingest.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 250,
      MaximumBatchingWindowInSeconds: 0,
    });
    expect(built.ingest.ingestFunction.reservedConcurrentExecutions).toBeUndefined();
    expect(built.data.eventStream.producerRole).toBeDefined();
  });

  it('a blank value is unset: the default applies', () => {
    expect(templates(withContext({ batchSize: '', streamName: ' ' }))).toEqual(defaults);
  });

  it('createTokenledgerApp({ settings }) takes the same keys and values as the context', () => {
    const settings: TokenledgerSettings = {
      streamName: 'acme-llm-events',
      batchSize: '500',
      ingestTracing: 'active',
    };
    expect(templates(app({ settings }))).toEqual(templates(withContext({ ...settings })));
    expect(() => app({ settings: { batchSize: '0' } })).toThrow('context batchSize must be a whole number');
  });

  it('the stacks props given to createTokenledgerApp win over the settings', () => {
    const built = app({
      appProps: { context: { batchSize: '500', streamName: 'from-context' } },
      ingest: { batchSize: 20 },
      data: { streamName: 'from-props' },
    });
    Template.fromStack(built.ingest).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 20,
    });
    Template.fromStack(built.data).hasResourceProperties('AWS::Kinesis::Stream', { Name: 'from-props' });
  });
});

describe('bad values and unknown keys fail synthesis, naming the key', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ batchSize: '0' }, 'context batchSize must be a whole number from 1 to 10000, got "0"'],
    [{ batchSize: 'many' }, 'context batchSize must be a whole number from 1 to 10000, got "many"'],
    [{ batchSize: 2.5 }, 'context batchSize must be a whole number from 1 to 10000, got 2.5'],
    [
      { streamRetention: '12' },
      'context streamRetention must be a duration from 24h to 8760h (365 days) (a whole number of hours, or with a unit: 30s, 10m, 48h, 7d), got "12"',
    ],
    [{ streamRetention: '2 weeks' }, 'context streamRetention must be a duration from 24h'],
    [{ maxRecordAge: '30s' }, 'context maxRecordAge must be a duration from 60s to 7d'],
    [
      { streamName: 'tokenledger events' },
      'context streamName must be a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -), got "tokenledger events"',
    ],
    [
      { producerAccountIds: '1234' },
      'context producerAccountIds must be comma-separated AWS account ids (12 digits each, no duplicates; a list in cdk.json), got "1234"',
    ],
    [
      { producerAccountIds: '222222222222,222222222222' },
      'context producerAccountIds must be comma-separated AWS account ids',
    ],
    [{ lakeVersioned: 'yes' }, 'context lakeVersioned must be true or false, got "yes"'],
    [
      { ingestTracing: 'on' },
      "context ingestTracing must be 'active', 'passthrough' or 'disabled', got \"on\"",
    ],
    [
      { ingestLogRetention: '31' },
      'context ingestLogRetention must be a number of days CloudWatch Logs offers (1, 3, 5, 7, 14, 30,',
    ],
    [
      { ingestReservedConcurrency: 'None' },
      'context ingestReservedConcurrency must be a whole number from 1 to 1000, or \'none\', got "None"',
    ],
    [
      { quarantineRateThreshold: '5' },
      'context quarantineRateThreshold must be a number between 0 and 1, exclusive (0.05 is 5 %), got "5"',
    ],
    [{ invoiceRetryAttempts: 3 }, 'context invoiceRetryAttempts must be a whole number from 0 to 2, got 3'],
    [{ reportsMaxEventAge: '7h' }, 'context reportsMaxEventAge must be a duration from 60s to 6h'],
    [{ alarmEmail: 'ops' }, 'context alarmEmail must be an e-mail address, got "ops"'],
    [{ alarmEmail: 42 }, 'context alarmEmail must be an e-mail address, got 42'],
  ])('%j', (context, message) => {
    expect(() => withContext(context)).toThrow(message);
  });

  it('an unknown key of ours is an error naming it, suggesting the near one, and listing the known keys', () => {
    expect(() => withContext({ batchsize: '500' })).toThrow(
      'context batchsize is not a tokenledger setting (did you mean batchSize?); the keys are ',
    );
    expect(() => withContext({ streamRetentionHours: '48' })).toThrow(
      /context streamRetentionHours is not a tokenledger setting; the keys are .*streamRetention/,
    );
    expect(() => withContext({ ingestBatchSize: '500' })).toThrow(
      'context ingestBatchSize is not a tokenledger setting',
    );
    let message = '';
    try {
      withContext({ retention: '48' });
    } catch (err) {
      message = (err as Error).message;
      expect(Errors.isValidationError(err)).toBe(true);
    }
    for (const key of SETTING_KEYS) expect(message).toContain(key);
  });

  it('a misspelt report key still gets the report settings message', () => {
    expect(() => withContext({ governanceRecipient: 'a@example.com' })).toThrow(
      'context governanceRecipient is not a report setting',
    );
  });

  it("CDK's own context keys, and keys the embedding app declares, are not refused", () => {
    expect(() =>
      withContext({
        '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
        'aws:cdk:enable-path-metadata': true,
        'acknowledged-issue-numbers': [32775],
        'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      }),
    ).not.toThrow();
    expect(() => withContext({ env: 'prod' })).toThrow('context env is not a tokenledger setting');
    expect(() => app({ appProps: { context: { env: 'prod' } }, otherContextKeys: ['env'] })).not.toThrow();
  });
});

describe('docs/deploying.md', () => {
  const doc = readFileSync(new URL('docs/deploying.md', ROOT), 'utf8');
  /** The keys in the first column of the tables of the "Settings" section. */
  const documented = () => {
    const start = doc.indexOf('\n## Settings\n');
    const end = doc.indexOf('\n## ', start + 1);
    expect(start).toBeGreaterThan(0);
    return doc
      .slice(start, end < 0 ? undefined : end)
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .flatMap((line) =>
        [...(line.split('|')[1] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1] as string),
      );
  };

  it('lists every setting, and no key that is none', () => {
    expect([...new Set(documented())].sort()).toEqual(SETTING_KEYS);
  });
});
