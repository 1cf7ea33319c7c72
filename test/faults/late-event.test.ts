import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { marginReport } from '../../src/reports/margin-report.ts';
import { parseMonth } from '../../src/reports/month.ts';
import { wasteReport } from '../../src/reports/waste-report.ts';
import { consumeStream, readStream } from '../helpers/consume-stream.ts';
import { fileRows, lakeCounts } from '../helpers/lake-counts.ts';
import { recordInput } from '../helpers/record-input.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { streamAndLakePerTest } from '../helpers/stream-and-lake.ts';

// Case 5 of the fault-injection suite: an event arrives 3 days after its request started (a client that was
// offline, a replayed file). Only a ts more than 24 h in the future is refused, so it must be stored under its
// own day and be in the next report over that day, with no repair step. Real emitter, kinesalite (whose arrival
// time is the real clock), the real poller and ingest handler, the folder lake, and the reports over DuckDB
// through LocalQueryRunner, a new engine per report run as the CLI and the report job open it.

const DAY = 86_400_000;
const NOW = Date.now();
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const LATE_TS = NOW - 3 * DAY;
const LATE_DAY = dayOf(LATE_TS);
const NEXT_DAY = dayOf(LATE_TS + DAY);
const MONTH = parseMonth(LATE_DAY.slice(0, 7));

const env = streamAndLakePerTest();

/** Rows to compare with the same rows of another run: sums may differ in the last bits (DuckDB adds in parallel). */
const close = (rows: readonly object[]) =>
  rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        typeof v === 'number' && !Number.isInteger(v) ? expect.closeTo(v, 12) : v,
      ]),
    ),
  );

async function send(events: RecordInput[]): Promise<void> {
  const ledger = createEmitter({
    streamName: env.kinesis.streamName,
    kinesisClient: env.kinesis.client,
    hmacKey: 'k',
  });
  for (const e of events) ledger.record(e);
  await ledger.shutdown();
  expect(ledger.stats()).toMatchObject({ sent: events.length, invalid: 0, dropped: 0 });
}

/** One run of the margin report (the late day's month) and of the waste report (the late day). */
async function reports() {
  // As the CLI and the report jobs do: days not rolled up, or rolled up before the late event, are rolled first.
  const engine = await openReportEngine(env.lake.dir);
  try {
    const queries = new LocalQueryRunner(engine);
    if (!MONTH) throw new Error(`no month for ${LATE_DAY}`);
    return {
      margin: await marginReport(queries, MONTH),
      waste: await wasteReport(queries, LATE_DAY, NEXT_DAY),
    };
  } finally {
    engine.close();
  }
}

describe('fault: an event arrives 3 days late', () => {
  it('ts 3 days before arrival → stored under dt=<its own day>; the next margin and waste reports over that day count it, with no repair step', async () => {
    // Prepare: today's traffic is ingested and the reports run. Three of its requests started on the late day
    // itself, so the late day's month has traffic before the late event comes, whatever today's date (on the
    // 1st to 3rd of a month the late day is in the month before).
    const store = new FsLakeStore(env.lake.dir);
    const onTime = Array.from({ length: 5 }, (_, i) => `c5-ontime-${i}-xxxx`);
    const sameDay = Array.from({ length: 3 }, (_, i) => `c5-sameday-${i}-xxxx`);
    await send([
      ...onTime.map((eventId) => recordInput({ eventId, feature: 'draft-email' })),
      ...sameDay.map((eventId) => recordInput({ eventId, feature: 'draft-email', startedAt: LATE_TS })),
    ]);
    await consumeStream(env.kinesis, store, { batchSize: 1 });
    const before = await reports();
    expect(before.margin.rows.reduce((n, r) => n + r.requests, 0)).toBeGreaterThanOrEqual(3);

    // Act: the late event arrives, and the consumer reads the stream (again from its start, one record per batch).
    const late = recordInput({
      eventId: 'c5-late-event-1',
      feature: 'late-feature',
      startedAt: LATE_TS,
      inputTokens: 1200,
      cacheReadTokens: 200,
      outputTokens: 300,
      deliveredOutputTokens: 100,
      status: 'cancelled',
    });
    await send([late]);
    const consumed = await consumeStream(env.kinesis, store, { batchSize: 1 });
    const after = await reports();

    // Assess: it did arrive 3 days after its ts, and was accepted.
    const [event] = await readStream(env.kinesis);
    const lateRecord = event?.Records[1];
    const arrivedAt = (lateRecord?.kinesis.approximateArrivalTimestamp ?? 0) * 1000;
    expect(arrivedAt - LATE_TS).toBeGreaterThanOrEqual(3 * DAY);
    expect(consumed.counts).toMatchObject({ records: 2, events: 9, accepted: 9, quarantined: 0 });

    // It is stored under its own day, in an object of its own; the on-time record was found already stored.
    const seq = lateRecord?.kinesis.sequenceNumber;
    const lateKey = `events/dt=${LATE_DAY}/${env.kinesis.streamName}/shardId-000000000000/${seq}-${seq}.parquet`;
    expect(consumed.deliveries.map((d) => d.report?.outcome.written)).toEqual([[], [lateKey]]);
    const counts = await lakeCounts(env.lake.dir);
    expect(counts.files[lateKey]).toBe(1);
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: 9,
      files: 9,
      distinct: 9,
      dedup: 9,
    });
    const engine = await LocalQueryEngine.open(env.lake.dir);
    try {
      expect(
        await engine.run(
          "SELECT dt, strftime(received_at, '%Y-%m-%d') AS received FROM events_dedup WHERE event_id = 'c5-late-event-1'",
        ),
      ).toEqual([{ dt: LATE_DAY, received: dayOf(arrivedAt) }]);
    } finally {
      engine.close();
    }

    // The waste report over its day gained the late request's row and its 200 wasted tokens; the rest is as it was.
    expect(before.waste.rows.find((r) => r.feature === 'late-feature')).toBeUndefined();
    expect(after.waste.rows.find((r) => r.feature === 'late-feature')).toMatchObject({
      feature: 'late-feature',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      requests: 1,
      cancelled_requests: 1,
      wasted_output_tokens: 200,
    });
    expect(after.waste.rows.filter((r) => r.feature !== 'late-feature')).toEqual(close(before.waste.rows));
    expect(after.waste.totals.wasted_output_tokens).toBe(before.waste.totals.wasted_output_tokens + 200);

    // The margin report of its month gained exactly its row; the rest of the month is as it was.
    const lateRow = after.margin.rows.find((r) => r.feature === 'late-feature');
    expect(lateRow).toMatchObject({
      cohort: 'pro',
      requests: 1,
      active_users: 1,
      input_tokens: 1200,
      cache_read_tokens: 200,
      output_tokens: 300,
    });
    expect(lateRow?.cost).toBeGreaterThan(0);
    expect(before.margin.rows.find((r) => r.feature === 'late-feature')).toBeUndefined();
    expect(after.margin.rows.filter((r) => r.feature !== 'late-feature')).toEqual(close(before.margin.rows));
    const monthRequests = (rows: { requests: number }[]) => rows.reduce((s, r) => s + r.requests, 0);
    expect(monthRequests(after.margin.rows)).toBe(monthRequests(before.margin.rows) + 1);
  });
});
