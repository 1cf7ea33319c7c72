import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Errors, Stack } from 'aws-cdk-lib';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../infra/constructs/alarm-topic.ts';
import { EventStream } from '../../infra/constructs/event-stream.ts';
import { IngestAlarms, type IngestAlarmsProps } from '../../infra/constructs/ingest-alarms.ts';
import { IngestFunction, type IngestFunctionProps } from '../../infra/constructs/ingest-function.ts';
import { InvoiceFunction } from '../../infra/constructs/invoice-function.ts';
import { LakeDatabase } from '../../infra/constructs/lake-database.ts';
import { LakeTable } from '../../infra/constructs/lake-table.ts';
import { PrivateBucket } from '../../infra/constructs/private-bucket.ts';
import { QueryWorkgroup } from '../../infra/constructs/query-workgroup.ts';
import type { ReportJob, ReportJobProps } from '../../infra/constructs/report-job.ts';
import { tokenledgerFunction } from '../../infra/constructs/tokenledger-function.ts';
import { UserHmacSecret } from '../../infra/constructs/user-hmac-secret.ts';
import { ingestSettingsFromContext } from '../../infra/stacks/ingest-stack.ts';
import { reportsSettingsFromContext } from '../../infra/stacks/reports-stack.ts';
import { createTokenledgerApp } from '../../infra/tokenledger-app.ts';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import { reportJobInStack } from '../helpers/report-job-construct.ts';

// Props are checked in the constructors, and the message names the prop and echoes the bad value.

// One cloud assembly directory for all apps here (an App without one makes a temp dir of its own).
const outdir = mkdtempSync(join(tmpdir(), 'tokenledger-props-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** A stack that stages a placeholder instead of bundling (these tests never synthesize code). */
function stack(): Stack {
  return new Stack(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
}

function ingestFunction(props: Partial<IngestFunctionProps>): IngestFunction {
  const scope = stack();
  return new IngestFunction(scope, 'Ingest', {
    stream: Stream.fromStreamArn(scope, 'Stream', 'arn:aws:kinesis:eu-west-1:123456789012:stream/events'),
    lakeBucket: Bucket.fromBucketName(scope, 'Lake', 'lake'),
    failedRecordsBucket: Bucket.fromBucketName(scope, 'Failed', 'failed'),
    userHmacSecret: new UserHmacSecret(scope, 'Secret'),
    ...props,
  });
}

describe('IngestFunction props', () => {
  it('accepts the defaults', () => {
    expect(() => ingestFunction({})).not.toThrow();
  });

  it.each([0, 10001, 2.5, -1])('rejects batchSize %s, quoting it', (batchSize) => {
    expect(() => ingestFunction({ batchSize })).toThrow(
      `IngestFunction Ingest: batchSize must be an integer from 1 to 10000, got ${batchSize}`,
    );
  });

  it.each([-1, 10001, 1.5])('rejects retryAttempts %s (retries must be finite)', (retryAttempts) => {
    expect(() => ingestFunction({ retryAttempts })).toThrow(
      `retryAttempts must be an integer from 0 to 10000, got ${retryAttempts}`,
    );
  });

  it('rejects a maxRecordAge below 60 s or above 7 days', () => {
    expect(() => ingestFunction({ maxRecordAge: Duration.seconds(30) })).toThrow(
      'maxRecordAge must be from 1 minute to 7 days, got 30 seconds',
    );
    expect(() => ingestFunction({ maxRecordAge: Duration.days(8) })).toThrow('got 8 days');
  });

  it('rejects maxBatchingWindow above 5 minutes, parallelizationFactor above 10, memory and timeout out of range', () => {
    expect(() => ingestFunction({ maxBatchingWindow: Duration.minutes(6) })).toThrow('maxBatchingWindow');
    expect(() => ingestFunction({ parallelizationFactor: 11 })).toThrow(
      'parallelizationFactor must be an integer from 1 to 10, got 11',
    );
    expect(() => ingestFunction({ memorySize: 64 })).toThrow(
      'memorySize must be an integer from 128 to 10240, got 64',
    );
    expect(() => ingestFunction({ timeout: Duration.minutes(16) })).toThrow(
      'timeout must be from 1 second to 15 minutes, got 16 minutes',
    );
    expect(() => ingestFunction({ reservedConcurrentExecutions: 0 })).toThrow('reservedConcurrentExecutions');
  });

  it('reserves no concurrency by default, what it is given, or none with null', () => {
    const reserved = (props: Partial<IngestFunctionProps>) => {
      const ingest = ingestFunction(props);
      const fn = ingest.function.node.defaultChild as CfnFunction;
      return [ingest.reservedConcurrentExecutions, fn.reservedConcurrentExecutions];
    };
    expect(reserved({})).toEqual([undefined, undefined]);
    expect(reserved({ parallelizationFactor: 3 })).toEqual([undefined, undefined]);
    expect(reserved({ reservedConcurrentExecutions: 4 })).toEqual([4, 4]);
    expect(reserved({ reservedConcurrentExecutions: null })).toEqual([undefined, undefined]);
    expect(() => ingestFunction({ reservedConcurrentExecutions: 1001 })).toThrow(
      'IngestFunction Ingest: reservedConcurrentExecutions must be an integer from 1 to 1000, got 1001',
    );
  });

  it('reads ingestReservedConcurrency from the context: a whole number, or none', () => {
    const settings = (value: unknown) =>
      ingestSettingsFromContext(
        new App({ outdir, context: value === undefined ? {} : { ingestReservedConcurrency: value } }),
      );
    expect(settings(undefined)).toEqual({});
    expect(settings('none')).toEqual({ reservedConcurrentExecutions: null });
    expect(settings('20')).toEqual({ reservedConcurrentExecutions: 20 });
    expect(settings(20)).toEqual({ reservedConcurrentExecutions: 20 });
    for (const bad of ['0', 'ten', '2.5', 1001, true]) {
      expect(() => settings(bad)).toThrow(
        `context ingestReservedConcurrency must be a whole number from 1 to 1000, or 'none', got ${JSON.stringify(bad)}`,
      );
    }
  });
});

describe('other constructs', () => {
  it('EventStream rejects a retention below 24 h', () => {
    expect(() => new EventStream(stack(), 'Events', { retentionPeriod: Duration.hours(12) })).toThrow(
      'EventStream Events: retentionPeriod must be from 1 day to 365 days, got 12 hours',
    );
  });

  it('QueryWorkgroup rejects a scan cutoff below Athena minimum of 10 MB', () => {
    const scope = stack();
    expect(
      () =>
        new QueryWorkgroup(scope, 'Queries', {
          serverAccessLogsBucket: Bucket.fromBucketName(scope, 'Logs', 'logs'),
          bytesScannedCutoffPerQuery: 1024,
        }),
    ).toThrow('bytesScannedCutoffPerQuery must be an integer from 10000000 to 9007199254740991, got 1024');
  });

  it('LakeDatabase rejects a name Athena cannot use', () => {
    expect(() => new LakeDatabase(stack(), 'Db', { databaseName: 'Token-Ledger' })).toThrow(
      "LakeDatabase Db: databaseName must be lower-case letters, digits and _, starting with a letter, at most 255 characters, got 'Token-Ledger'",
    );
  });

  it('PrivateBucket rejects an expiration under a day', () => {
    expect(() => new PrivateBucket(stack(), 'B', { expiration: Duration.hours(1) })).toThrow(
      'PrivateBucket B: expiration must be from 1 day to 36500 days, got 1 hour',
    );
  });

  it('IngestAlarms rejects a bad e-mail, a zero evaluation period count and a quarantine rate outside (0, 1)', () => {
    const ingest = ingestFunction({});
    const scope = Stack.of(ingest);
    const alarms = (id: string, props: Partial<IngestAlarmsProps>) =>
      new IngestAlarms(scope, id, {
        function: ingest.function,
        eventSourceMappingId: ingest.eventSource.eventSourceMappingId,
        logGroup: ingest.logGroup,
        ...props,
      });
    expect(() => alarms('A', { alarmEmail: 'ops' })).toThrow(
      "alarmEmail must be an e-mail address, got 'ops'",
    );
    expect(() => alarms('B', { iteratorAgeEvaluationPeriods: 0 })).toThrow(
      'iteratorAgeEvaluationPeriods must be an integer from 1 to 1440, got 0',
    );
    for (const rate of [0, 1, 5, -0.1, Number.NaN]) {
      expect(() => alarms(`R${rate}`, { quarantineRateThreshold: rate })).toThrow(
        `IngestAlarms R${rate}: quarantineRateThreshold must be a number between 0 and 1 (0.05 is 5 %), got ${rate}`,
      );
    }
    expect(() => alarms('M', { quarantineRateMinEvents: 0 })).toThrow(
      'quarantineRateMinEvents must be an integer from 1 to 1000000000, got 0',
    );
    expect(() => alarms('OK', { quarantineRateThreshold: 0.2, quarantineRateMinEvents: 10 })).not.toThrow();
  });
});

describe('InvoiceFunction props', () => {
  function invoiceFunction(props: { memorySize?: number; timeout?: Duration; retryAttempts?: number }) {
    const scope = stack();
    return new InvoiceFunction(scope, 'Invoices', {
      lakeBucket: Bucket.fromBucketName(scope, 'Lake', 'lake'),
      ...props,
    });
  }

  it('accepts the defaults', () => {
    expect(() => invoiceFunction({})).not.toThrow();
  });

  it('rejects retryAttempts above Lambda maximum of 2, memory and timeout out of range', () => {
    expect(() => invoiceFunction({ retryAttempts: 3 })).toThrow(
      'InvoiceFunction Invoices: retryAttempts must be an integer from 0 to 2, got 3',
    );
    expect(() => invoiceFunction({ memorySize: 64 })).toThrow(
      'memorySize must be an integer from 128 to 10240, got 64',
    );
    expect(() => invoiceFunction({ timeout: Duration.minutes(16) })).toThrow(
      'timeout must be from 1 second to 15 minutes, got 16 minutes',
    );
  });
});

describe('LakeTable props', () => {
  function lakeTable(props: { tableName?: string; prefix?: string }) {
    const scope = stack();
    return new LakeTable(scope, 'Costs', {
      database: new LakeDatabase(scope, 'Db'),
      lakeBucket: Bucket.fromBucketName(scope, 'Lake', 'lake'),
      tableName: 'costs',
      prefix: 'costs/',
      columns: COST_COLUMNS,
      description: 'cost lines',
      ...props,
    });
  }

  it('rejects a table name Athena cannot use and a prefix that is not a folder', () => {
    expect(() => lakeTable({ tableName: 'Costs' })).toThrow(
      'LakeTable Costs: tableName must be lower-case letters',
    );
    expect(() => lakeTable({ prefix: 'costs' })).toThrow(
      "LakeTable Costs: prefix must be a key prefix ending in /, got 'costs'",
    );
    expect(() => lakeTable({ prefix: '/costs/' })).toThrow('prefix must be a key prefix ending in /');
    expect(lakeTable({}).location).toBe('s3://lake/costs/');
  });
});

describe('prop and context errors are CDK ValidationErrors of the construct', () => {
  /** What `build` throws. */
  function thrown(build: () => unknown): unknown {
    try {
      build();
    } catch (err) {
      return err;
    }
    throw new Error('expected an error');
  }

  const reportJob = (props: Partial<ReportJobProps>): ReportJob => reportJobInStack(outdir, props);

  const noBundling = { outdir, context: { 'aws:cdk:bundling-stacks': [] } };

  // [what, build, the construct path the error names ('' is the App, whose context is read), its message]
  it.each<[string, () => unknown, string, string]>([
    [
      'EventStream',
      () => new EventStream(stack(), 'Events', { retentionPeriod: Duration.hours(12) }),
      'Test/Events',
      'EventStream Events: retentionPeriod must be from 1 day to 365 days, got 12 hours',
    ],
    [
      'IngestFunction',
      () => ingestFunction({ batchSize: 0 }),
      'Test/Ingest',
      'IngestFunction Ingest: batchSize must be an integer from 1 to 10000, got 0',
    ],
    [
      'IngestAlarms',
      () => {
        const ingest = ingestFunction({});
        return new IngestAlarms(Stack.of(ingest), 'Alarms', {
          function: ingest.function,
          eventSourceMappingId: ingest.eventSource.eventSourceMappingId,
          logGroup: ingest.logGroup,
          quarantineRateThreshold: 5,
        });
      },
      'Test/Alarms',
      'IngestAlarms Alarms: quarantineRateThreshold must be a number between 0 and 1 (0.05 is 5 %), got 5',
    ],
    [
      'InvoiceFunction',
      () => {
        const scope = stack();
        return new InvoiceFunction(scope, 'Invoices', {
          lakeBucket: Bucket.fromBucketName(scope, 'Lake', 'lake'),
          retryAttempts: 3,
        });
      },
      'Test/Invoices',
      'InvoiceFunction Invoices: retryAttempts must be an integer from 0 to 2, got 3',
    ],
    [
      'PrivateBucket (checked once the bucket exists)',
      () => new PrivateBucket(stack(), 'B', { expiration: Duration.hours(1) }),
      'Test/B',
      'PrivateBucket B: expiration must be from 1 day to 36500 days, got 1 hour',
    ],
    [
      'LakeDatabase',
      () => new LakeDatabase(stack(), 'Db', { databaseName: 'Token-Ledger' }),
      'Test/Db',
      "LakeDatabase Db: databaseName must be lower-case letters, digits and _, starting with a letter, at most 255 characters, got 'Token-Ledger'",
    ],
    [
      'QueryWorkgroup',
      () => {
        const scope = stack();
        return new QueryWorkgroup(scope, 'Queries', {
          serverAccessLogsBucket: Bucket.fromBucketName(scope, 'Logs', 'logs'),
          bytesScannedCutoffPerQuery: 1024,
        });
      },
      'Test/Queries',
      'QueryWorkgroup Queries: bytesScannedCutoffPerQuery must be an integer from 10000000',
    ],
    [
      'AlarmTopic',
      () => new AlarmTopic(stack(), 'Topic', { displayName: 't', keyDescription: 'k', alarmEmail: 'ops' }),
      'Test/Topic',
      "AlarmTopic Topic: alarmEmail must be an e-mail address, got 'ops'",
    ],
    [
      'ReportJob',
      () => reportJob({ retryAttempts: 3 }),
      'Test/Job',
      'ReportJob Job: retryAttempts must be an integer from 0 to 2, got 3',
    ],
    [
      'ReportJob, a recipient the shared address parser refuses',
      () => reportJob({ recipients: ['nobody'] }),
      'Test/Job',
      'ReportJob Job: recipients: "nobody" is not an email address',
    ],
    [
      'ReportJob, a schedule',
      () => reportJob({ schedule: 'daily' }),
      'Test/Job',
      'ReportJob Job: schedule must be an EventBridge Scheduler expression',
    ],
    [
      'tokenledgerFunction (the scope it creates the function in)',
      () =>
        tokenledgerFunction(stack(), {
          lambda: 'report-job',
          description: 'test',
          roleDescription: 'test',
          memorySize: 128,
          timeout: Duration.seconds(10),
          environment: {},
          extraFiles: ['../queries'],
        }),
      'Test',
      "tokenledgerFunction report-job: extraFiles entries must be existing paths relative to the repository root, got '../queries'",
    ],
    [
      'context ingestReservedConcurrency',
      () => ingestSettingsFromContext(new App({ outdir, context: { ingestReservedConcurrency: 'ten' } })),
      '',
      `context ingestReservedConcurrency must be a whole number from 1 to 1000, or 'none', got "ten"`,
    ],
    [
      'context of a report setting',
      () => reportsSettingsFromContext(new App({ outdir, context: { wasteSchedule: 'daily' } })),
      '',
      'context wasteSchedule must be an EventBridge Scheduler expression',
    ],
    [
      'context recipients the shared address parser refuses',
      () => reportsSettingsFromContext(new App({ outdir, context: { wasteRecipients: 'nobody' } })),
      '',
      'context wasteRecipients: "nobody" is not an email address',
    ],
    [
      'ReportsStack props',
      () => createTokenledgerApp({ appProps: noBundling, reports: { reportsTimezone: 'Mars/Olympus' } }),
      'TokenledgerReports',
      "ReportsStack TokenledgerReports: reportsTimezone must be an IANA time zone such as UTC or Europe/Paris, got 'Mars/Olympus'",
    ],
  ])('%s', (_what, build, path, message) => {
    const err = thrown(build);

    expect(Errors.isValidationError(err)).toBe(true);
    if (!Errors.isValidationError(err)) return;
    expect(err.message).toContain(message);
    expect(err.constructPath).toBe(path);
    // What the CDK CLI prints: the stack trace ends with the construct tree down to the construct.
    expect(err.stack).toContain('Relates to construct:');
  });
});
