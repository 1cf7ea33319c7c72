import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../src/adapters/athena/athena-query-runner.ts';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { encodeBatch } from '../../src/core/framing/record-framing.ts';
import { ROLLUP_TABLES } from '../../src/core/rollups/rollup-columns.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import {
  parseRollupJobEvent,
  type RollupJobSummary,
  rollupJobConfig,
} from '../../src/jobs/rollup-job-handler.ts';
import { lookbackWindow } from '../../src/jobs/rollup-lookback.ts';
import { viewFiles } from '../../src/queries/query-files.ts';
import { athenaStatement, type LocalAthena, startLocalAthena } from '../helpers/athena-endpoint.ts';
import { endpointUrl } from '../helpers/aws-env.ts';
import {
  bundleRollupJobLambda,
  type LambdaBundle,
  type LambdaContainer,
  lambdaContainer,
  localSdkEnv,
} from '../helpers/bundled-handler.ts';
import { kinesisRecord, line, seq, wireEvent } from '../helpers/factories.ts';
import { startS3 } from '../helpers/s3rver.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The scheduled rollup job as deployed: the rollup-job package the CDK app bundles (lambdas/rollup-job/handler.ts,
// esbuild, queries/rollups/ copied next to it), loaded by Node as Lambda loads it, with the environment the stack
// gives the function — its config read from the environment, its SDK clients built at load with their defaults,
// its queries read from the package. The SDK's endpoint variables point those clients at the local emulators:
// Athena → a local Athena endpoint (DuckDB over the s3rver bucket, mirrored before each query as Athena lists the
// lake), S3 → s3rver. The cases run in order over one lake: each finds the rolls the one before left.

const BUCKET = 'rollup-lake';
/** The folders of the rolls and of the usage rollup (rollups/<table>/dt=<day>/<roll id>.parquet). */
const folder = (table: string) => ROLLUP_TABLES.find((t) => t.table === table)?.folder as string;
const ROLLS = folder('rollup_rolls');
const USAGE = folder('rollup_usage');
const WORKGROUP = 'tokenledger';
const DATABASE = 'tokenledger';
/** The scheduler's time: the default window is the 7 days before, 2026-11-01 … 2026-11-07. */
const SCHEDULED = '2026-11-08T00:30:00.000Z';
const WINDOW = [
  '2026-11-01',
  '2026-11-02',
  '2026-11-03',
  '2026-11-04',
  '2026-11-05',
  '2026-11-06',
  '2026-11-07',
];

let bundle: LambdaBundle;
let s3: S3Client;
let stopS3: () => Promise<void>;
let athena: LocalAthena;
let mirror: Awaited<ReturnType<typeof tempDir>>;
let sdkEnv: Record<string, string>;
let job: LambdaContainer<unknown, unknown, RollupJobSummary>;
let batches = 0;

/**
 * `n` requests of `day` at 10:00 UTC, written to the bucket by the ingest consumer as in AWS: a Kinesis record that
 * arrived 5 s later (the consumer quarantines events from too far ahead of their arrival), stored as one new object
 * under events/dt=<day>/.
 */
async function ingest(day: string, n: number): Promise<void> {
  const events = Array.from({ length: n }, () => wireEvent({ ts: `${day}T10:00:00.000Z` }));
  const [record] = encodeBatch(events.map(line));
  const arrived = Date.parse(`${day}T10:00:05.000Z`);
  await createIngestHandler({ store: new S3LakeStore(s3, BUCKET) })({
    Records: [kinesisRecord(record?.data as Buffer, seq(5000 + ++batches), arrived)],
  });
  expect(await keysUnder('quarantine/')).toEqual([]);
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

/** The rolled-up requests per day, as the reports read them (the current roll of each day). */
async function rolledRequests(): Promise<Record<string, number>> {
  const runner = new AthenaQueryRunner({
    athena: athena.client,
    workGroup: WORKGROUP,
    database: DATABASE,
    pollIntervalMs: 2,
    readQuery: () =>
      'SELECT CAST(dt AS VARCHAR) AS dt, sum(requests) AS requests FROM usage_hourly GROUP BY 1 ORDER BY 1',
  });
  const rows = await runner.run('test/rolled_requests.sql', []);
  return Object.fromEntries(rows.map((r) => [String(r.dt), Number(r.requests)]));
}

const runStatement = (sql: string) => athenaStatement(athena.client, sql, WORKGROUP);

/** The environment the CDK stack gives the function (infra/constructs/rollup-job.ts). */
const ENV = {
  ATHENA_WORKGROUP: WORKGROUP,
  GLUE_DATABASE: DATABASE,
  LAKE_BUCKET: BUCKET,
  ROLLUP_LOOKBACK_DAYS: '7',
  POWERTOOLS_SERVICE_NAME: 'tokenledger-rollup',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

beforeAll(async () => {
  bundle = await bundleRollupJobLambda();
  const local = await startS3(BUCKET);
  s3 = local.s3;
  stopS3 = local.stop;
  mirror = await tempDir('tokenledger-rollup-athena-');
  athena = await startLocalAthena({ lakeDir: mirror.dir, s3 });
  athena.readBucket(BUCKET);
  sdkEnv = localSdkEnv({
    athena: athena.endpoint,
    s3: await endpointUrl(s3.config),
    // not used by this function
    dynamodb: 'http://127.0.0.1:9',
    sesv2: 'http://127.0.0.1:9',
  });
  // 2026-11-02: 3 requests, 11-03: 2, 11-05: 4 — and one day before the window, and one of the scheduled day.
  for (const [day, n] of [
    ['2026-10-31', 1],
    ['2026-11-02', 3],
    ['2026-11-03', 2],
    ['2026-11-05', 4],
    ['2026-11-08', 5],
  ] as const) {
    await ingest(day, n);
  }
  job = await lambdaContainer<unknown, unknown, RollupJobSummary>(
    bundle,
    { ...ENV, ...sdkEnv },
    { captureLogs: true },
  );
}, 120_000);

afterAll(async () => {
  await athena?.stop();
  await stopS3?.();
  await mirror?.remove();
  await bundle?.remove();
});

describe('the rollup job handler over the AWS SDK clients (local Athena, s3rver)', () => {
  let firstRolls: Record<string, string> = {};

  it('first scheduled run: rolls up the days of the 7-day window that have events, and only those', async () => {
    // Act
    const summary = await job.handler({ scheduledTime: SCHEDULED });

    // Assess: the window ends yesterday (UTC) before the scheduled time
    expect(summary.days).toEqual(WINDOW);
    expect(summary.force).toBe(false);
    expect(summary.rolled.map(({ day, reason, usageRows }) => ({ day, reason, usageRows }))).toEqual([
      { day: '2026-11-02', reason: 'new', usageRows: 1 },
      { day: '2026-11-03', reason: 'new', usageRows: 1 },
      { day: '2026-11-05', reason: 'new', usageRows: 1 },
    ]);
    expect(summary.current).toEqual([]);
    expect(summary.skipped).toEqual(['2026-11-01', '2026-11-04', '2026-11-06', '2026-11-07']);
    firstRolls = Object.fromEntries(summary.rolled.map((r) => [r.day, r.rollId]));

    // Assess: one object per table and rolled day, under rollups/<table>/dt=<day>/<roll id>.parquet
    const rolls = await keysUnder(`${ROLLS}/`);
    expect(rolls).toEqual(summary.rolled.map((r) => `${ROLLS}/dt=${r.day}/${r.rollId}.parquet`));
    expect(await keysUnder(`${USAGE}/`)).toEqual(
      summary.rolled.map((r) => `${USAGE}/dt=${r.day}/${r.rollId}.parquet`),
    );
    // nothing of the day before the window, nor of the scheduled (unfinished) day
    const all = await keysUnder('rollups/');
    expect(all.some((k) => k.includes('dt=2026-10-31') || k.includes('dt=2026-11-08'))).toBe(false);

    // Assess: the rollup rows are what the reports read
    expect(await rolledRequests()).toEqual({ '2026-11-02': 3, '2026-11-03': 2, '2026-11-05': 4 });

    // Assess: the summary is logged
    const done = job.logs.filter((l) => l.message === 'rollup job done');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      level: 'INFO',
      service: 'tokenledger-rollup',
      from: '2026-11-01',
      to: '2026-11-07',
      force: false,
      rolled: summary.rolled,
      current: [],
      skipped: summary.skipped,
    });
  }, 60_000);

  it('second run: every rolled day is current, nothing is rolled or written', async () => {
    // Prepare
    const before = await keysUnder('rollups/');

    // Act
    const summary = await job.handler({ scheduledTime: SCHEDULED });

    // Assess
    expect(summary.rolled).toEqual([]);
    expect(summary.current).toEqual(['2026-11-02', '2026-11-03', '2026-11-05']);
    expect(await keysUnder('rollups/')).toEqual(before);
  }, 60_000);

  it('a late event object for a rolled day: the next run rolls exactly that day again, for late events', async () => {
    // Prepare: a batch that reached the lake after the roll
    await ingest('2026-11-03', 1);

    // Act
    const summary = await job.handler({ scheduledTime: SCHEDULED });

    // Assess
    expect(summary.rolled.map(({ day, reason }) => ({ day, reason }))).toEqual([
      { day: '2026-11-03', reason: 'late events' },
    ]);
    expect(summary.current).toEqual(['2026-11-02', '2026-11-05']);
    const [late] = summary.rolled;
    expect(late?.rollId).not.toBe(firstRolls['2026-11-03']);
    // the day's older roll is gone: one roll of each table
    expect(await keysUnder(`${USAGE}/dt=2026-11-03/`)).toEqual([
      `${USAGE}/dt=2026-11-03/${late?.rollId}.parquet`,
    ]);
    expect(await rolledRequests()).toEqual({ '2026-11-02': 3, '2026-11-03': 3, '2026-11-05': 4 });
  }, 60_000);

  it('a manual re-roll {days, force}: rolls those days again even when current', async () => {
    // Act
    const summary = await job.handler({ days: ['2026-11-05', '2026-11-02'], force: true });

    // Assess
    expect(summary.days).toEqual(['2026-11-02', '2026-11-05']);
    expect(summary.rolled.map(({ day, reason }) => ({ day, reason }))).toEqual([
      { day: '2026-11-02', reason: 'forced' },
      { day: '2026-11-05', reason: 'forced' },
    ]);
    expect(summary.rolled.map((r) => r.rollId)).not.toContain(firstRolls['2026-11-02']);
    expect(await keysUnder(`${ROLLS}/dt=2026-11-02/`)).toHaveLength(1);
    expect(await rolledRequests()).toEqual({ '2026-11-02': 3, '2026-11-03': 3, '2026-11-05': 4 });
  }, 60_000);

  it('{days} without force: rolls a day outside the window that has no roll (new), skips one without events', async () => {
    // Act
    const summary = await job.handler({ days: ['2026-10-31', '2026-10-30'] });

    // Assess
    expect(summary.rolled.map(({ day, reason }) => ({ day, reason }))).toEqual([
      { day: '2026-10-31', reason: 'new' },
    ]);
    expect(summary.skipped).toEqual(['2026-10-30']);
    expect(await rolledRequests()).toMatchObject({ '2026-10-31': 1 });
  }, 60_000);

  it.each([
    [{ days: ['2026-11-31'] }, 'event field "days" has "2026-11-31", which is not a day (YYYY-MM-DD)'],
    [
      { days: '2026-11-02' },
      'event field "days" must be a non-empty list of days (YYYY-MM-DD), got "2026-11-02"',
    ],
    [{ days: ['2026-11-02'], force: 'yes' }, 'event field "force" must be true or false, got "yes"'],
    [{ day: '2026-11-02' }, 'event field "day" is not one of scheduledTime, days, force'],
    [{ scheduledTime: 'yesterday' }, 'event field "scheduledTime" is not a timestamp: "yesterday"'],
  ])(
    'a bad event %j: rejects naming the field and the value, and queries nothing',
    async (event, message) => {
      // Prepare
      const requests = athena.requests.length;
      const keys = await keysUnder('rollups/');

      // Act
      const error = await job.handler(event).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(message);
      expect(athena.requests.length).toBe(requests);
      expect(await keysUnder('rollups/')).toEqual(keys);
    },
  );

  it('a failing Athena query: the handler rejects (the invocation fails and alarms), and the day keeps its roll', async () => {
    // Prepare: usage_hourly_raw gone from the catalog, so queries/rollups/usage.sql FAILS. The emulator produces
    // the fault itself: no fake client.
    const rollsBefore = await keysUnder(`${ROLLS}/`);
    const definition = viewFiles().find((v) => /^views\/\d+_usage_hourly_raw\.sql$/.test(v.name));
    if (!definition) throw new Error('no views/<nn>_usage_hourly_raw.sql');
    await runStatement('DROP VIEW usage_hourly_raw');

    try {
      // Act
      const error = await job.handler({ days: ['2026-11-02'], force: true }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/rollups\/usage\.sql: Athena query \S+ FAILED: /);
      expect((error as Error).message).toContain('usage_hourly_raw');
      expect(await keysUnder(`${ROLLS}/`)).toEqual(rollsBefore);
    } finally {
      await runStatement(definition.sql);
    }
    expect(await rolledRequests()).toMatchObject({ '2026-11-02': 3 });

    // Act: the retry, after the fault cleared
    const retry = await job.handler({ days: ['2026-11-02'], force: true });

    // Assess
    expect(retry.rolled.map((r) => r.day)).toEqual(['2026-11-02']);
  }, 60_000);
});

describe('rollupJobConfig and the event', () => {
  const env = { ATHENA_WORKGROUP: 'wg', GLUE_DATABASE: 'db', LAKE_BUCKET: 'lake' };

  it('reads the environment, the lookback 7 days unless set', () => {
    expect(rollupJobConfig(env)).toEqual({
      workGroup: 'wg',
      database: 'db',
      lakeBucket: 'lake',
      lookbackDays: 7,
    });
    expect(rollupJobConfig({ ...env, ROLLUP_LOOKBACK_DAYS: '400' }).lookbackDays).toBe(400);
  });

  it.each(['0', '401', '2.5', 'seven', '-1'])(
    'refuses ROLLUP_LOOKBACK_DAYS=%s, naming it and the value',
    (value) => {
      expect(() => rollupJobConfig({ ...env, ROLLUP_LOOKBACK_DAYS: value })).toThrow(
        `environment variable ROLLUP_LOOKBACK_DAYS="${value}" must be a whole number from 1 to 400`,
      );
    },
  );

  it('refuses a missing variable, naming it', () => {
    expect(() => rollupJobConfig({ ...env, LAKE_BUCKET: '' })).toThrow(
      'environment variable LAKE_BUCKET is not set',
    );
  });

  it('the window is the days before the UTC day of the scheduled time, across a month end', () => {
    expect(lookbackWindow(new Date('2026-12-02T00:30:00Z'), 3)).toEqual([
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
    expect(lookbackWindow(new Date('2026-12-01T23:59:59Z'), 1)).toEqual(['2026-11-30']);
  });

  it('takes no event, {}, or days (sorted, without repeats) and force', () => {
    expect(parseRollupJobEvent(undefined)).toEqual({});
    expect(parseRollupJobEvent({})).toEqual({});
    expect(parseRollupJobEvent({ days: ['2026-11-03', '2026-11-02', '2026-11-03'], force: true })).toEqual({
      days: ['2026-11-02', '2026-11-03'],
      force: true,
    });
    expect(() => parseRollupJobEvent([])).toThrow('the event must be an object');
    expect(() => parseRollupJobEvent({ days: [] })).toThrow('event field "days" must be a non-empty list');
  });
});
