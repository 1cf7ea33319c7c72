import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { LocalQueryEngine } from '../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../src/adapters/local/fs-lake-store.ts';
import { decodeRecord, encodeBatch } from '../src/core/framing/record-framing.ts';
import { EventBatch } from '../src/core/ingest/event-batch.ts';
import { otlpMapping } from '../src/core/ingest/otlp-mapping.ts';
import type { EventRow } from '../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../src/core/lake/events-parquet.ts';
import { eventsToParquetGeneric } from '../src/core/lake/events-parquet-generic.ts';
import { EVENT_PAGES } from '../src/core/lake/page-codec.ts';
import { DEFAULT_OTLP_SETTINGS } from '../src/core/otlp/otlp-settings.ts';
import { otlpRecords } from '../src/demo/otlp-traffic.ts';
import { DEMO_HMAC_KEY, generateTraffic, trafficLines } from '../src/demo/traffic.ts';
import { createIngestHandler, toStreamRecord } from '../src/jobs/ingest-job.ts';
import type { LakeStore } from '../src/ports/lake-store.ts';
import { type BenchResult, medianMs, result, steadyPair, type Timing, timed, timedAsync } from './measure.ts';

/** The columns a margin report reads (with event_id and received_at, which the deduplicated view reads). */
export const MARGIN_COLUMNS = [
  'event_id',
  'received_at',
  'feature',
  'cohort',
  'customer_id',
  'user_hash',
  'provider',
  'model',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
];

const BATCH_EVENTS = 10_000;
const EVENTS_PER_RECORD = 500;
/** Timed runs per measure (the median is kept): 15 rather than 7, as the machine is often shared. */
const RUNS = 15;
/** Steady state: so many blocks of the handler and of the ceiling in turn (the medians are kept), each of so many batches back to back. */
const STEADY_REPS = 10;
const STEADY_BATCHES = 10;
/** A lake store that stores nothing: the handler's time without the file system's. */
const NULL_STORE: LakeStore = {
  putNew: async () => 'written',
  put: async () => {},
  list: async () => [],
  get: async () => new Uint8Array(0),
  remove: async () => {},
};

/** A 10,000-event Kinesis batch as the client sends it: gzip NDJSON records of 500 events. */
function kinesisBatch(lines: readonly string[], arrivedAt: number): KinesisStreamEvent {
  const records = [];
  for (let i = 0; i < lines.length; i += EVENTS_PER_RECORD)
    records.push(...encodeBatch(lines.slice(i, i + EVENTS_PER_RECORD)));
  return kinesisEvent(
    records.map((r) => r.data),
    arrivedAt,
  );
}

/** Records as the event source mapping hands them to the function. */
function kinesisEvent(records: readonly Buffer[], arrivedAt: number): KinesisStreamEvent {
  return {
    Records: records.map((data, i) => {
      const sequenceNumber = String(i + 1).padStart(20, '0');
      return {
        awsRegion: 'local',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/bench',
        eventVersion: '1.0',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
        kinesis: {
          approximateArrivalTimestamp: arrivedAt / 1000,
          data: data.toString('base64'),
          kinesisSchemaVersion: '1.0',
          partitionKey: sequenceNumber,
          sequenceNumber,
        },
      };
    }),
  };
}

/**
 * The same records (their data strings shared) with sequence numbers from `first` on: the lake keys name a batch's
 * sequence numbers, so the handler writes it as new objects.
 */
function renumbered(event: KinesisStreamEvent, first: number): KinesisStreamEvent {
  return {
    Records: event.Records.map((r, i) => {
      const sequenceNumber = String(first + i).padStart(20, '0');
      return {
        ...r,
        eventID: `shardId-000000000000:${sequenceNumber}`,
        kinesis: { ...r.kinesis, partitionKey: sequenceNumber, sequenceNumber },
      };
    }),
  };
}

/**
 * A month at 31 × 10,000 requests a day; the batch is the first 10,000 in time order, as a stream delivers
 * them. Only the batch is kept, so the rest of the month does not weigh on the garbage collector while timing.
 */
function oneBatchOfTraffic(): { lines: string[]; otlp: Buffer[] } {
  const traffic = generateTraffic({
    month: '2026-10',
    requests: 31 * BATCH_EVENTS,
    duplicateShare: 0,
    malformedShare: 0,
  });
  const batch = { ...traffic, items: traffic.items.slice(0, BATCH_EVENTS) };
  // The same calls as a Collector's awskinesis exporter sends them (otlp_proto, gzip), a request of 500 spans each.
  const otlp = otlpRecords(batch.items, { feature: null, spansPerRequest: EVENTS_PER_RECORD }).records;
  return { lines: trafficLines(batch), otlp };
}

/** The ceiling: decoding and JSON-parsing a batch, nothing else. */
function decodeAndParse(event: KinesisStreamEvent, expected: number): void {
  let n = 0;
  for (const r of event.Records) {
    for (const l of decodeRecord(Buffer.from(r.kinesis.data, 'base64'))) {
      JSON.parse(l.text);
      n++;
    }
  }
  if (n !== expected) throw new Error(`ceiling decoded ${n} events, expected ${expected}`);
}

export async function ingestBenchmarks(): Promise<{ results: BenchResult[]; notes: string[] }> {
  const { lines, otlp } = oneBatchOfTraffic();
  const dir = join(tmpdir(), `tokenledger-bench-${process.pid}`);
  const arrivedAt = Date.parse('2026-11-01T00:00:00Z');
  const event = kinesisBatch(lines, arrivedAt);
  const otlpEvent = kinesisEvent(otlp, arrivedAt);

  // The consumer's throughput (`ingest.events_per_s`): the steady state, the same batch back to back into one lake
  // (its day's folder made by the first), renumbered for each call (20 small record objects, sharing the data
  // strings) so that its objects are new, in blocks taken in turn with blocks of the ceiling, so that both meet the
  // same machine. The collector's work is in both times. Measured first, before the forced collections of the
  // measures below: each of those drops code the JIT compiled for the handler (docs/benchmarks.md, ingest), which
  // a consumer taking batch after batch never does.
  const steadyDir = join(dir, 'steady');
  const steadyHandler = createIngestHandler({ store: new FsLakeStore(steadyDir) });
  const { baseline: steadyCeiling, subject: steady } = await steadyPair(
    STEADY_REPS,
    STEADY_BATCHES,
    () => decodeAndParse(event, lines.length),
    async (call) => {
      const response = await steadyHandler(renumbered(event, 1 + call * event.Records.length));
      if (response.batchItemFailures.length > 0) throw new Error('bench batch failed');
    },
  );
  await rm(steadyDir, { recursive: true, force: true });

  // One batch at a time, each right after a forced full collection (`ingest.events_per_s_after_full_gc`), against the
  // ceiling measured the same way: decoding and JSON-parsing the same batch, nothing else.
  const ceiling = timed(RUNS, () => decodeAndParse(event, lines.length));

  // Where the handler's time goes: the consumer's decode + validate + dedup alone, and the Parquet writer alone.
  let accepted: EventRow[] = [];
  const validate = timed(RUNS, () => {
    const batch = new EventBatch();
    for (const r of event.Records) batch.add(toStreamRecord(r));
    accepted = batch.rows;
  });
  const parquet = timed(RUNS, () => {
    eventsToParquet(accepted);
  });
  // The generic writer (hyparquet-writer's parquetWrite, what the consumer used before issue 14), for scale.
  const genericMs = medianMs(5, () => {
    eventsToParquetGeneric(accepted);
  });

  let run = 0;
  let lastLake = '';
  const handlerTiming = await timedAsync(RUNS, async () => {
    lastLake = join(dir, String(run++));
    const handler = createIngestHandler({ store: new FsLakeStore(lastLake) });
    const response = await handler(event);
    if (response.batchItemFailures.length > 0) throw new Error('bench batch failed');
  });
  // The same handler with a store that keeps nothing: what the local folder adds.
  const inMemory = await timedAsync(RUNS, async () => {
    const handler = createIngestHandler({ store: NULL_STORE });
    const response = await handler(event);
    if (response.batchItemFailures.length > 0) throw new Error('bench batch failed');
  });
  // The same calls as OTLP spans: the handler with the consumer's OTLP mapping (user ids hashed under a key).
  const mapping = otlpMapping(DEFAULT_OTLP_SETTINGS, DEMO_HMAC_KEY);
  const otlpHandler = await timedAsync(RUNS, async () => {
    const handler = createIngestHandler({ store: NULL_STORE, otlp: mapping });
    const response = await handler(otlpEvent);
    if (response.batchItemFailures.length > 0) throw new Error('bench batch failed');
  });
  let otlpAccepted = 0;
  const otlpValidate = timed(RUNS, () => {
    const batch = new EventBatch(mapping);
    for (const r of otlpEvent.Records) batch.add(toStreamRecord(r));
    otlpAccepted = batch.rows.length;
  });
  if (otlpAccepted !== lines.length)
    throw new Error(`the OTLP batch gave ${otlpAccepted} events, expected ${lines.length}`);
  const ceilingMs = ceiling.wallMs;
  const validateMs = validate.wallMs;
  const parquetMs = parquet.wallMs;
  const handlerMs = handlerTiming.wallMs;
  const perEvent = (ms: number | null) => (ms === null ? '?' : ((ms * 1000) / lines.length).toFixed(1));
  const cpuRatio = (t: Timing) =>
    t.cpuMs === null || ceiling.cpuMs === null ? '?' : (ceiling.cpuMs / t.cpuMs).toFixed(3);

  const engine = await LocalQueryEngine.open(lastLake);
  const meta = await engine.run(
    `SELECT path_in_schema AS col, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata('${lastLake}/events/**/*.parquet') GROUP BY 1`,
  );
  const files = await engine.run(
    `SELECT sum(size)::BIGINT AS bytes, count(*)::INT AS files FROM (SELECT size FROM read_blob('${lastLake}/events/**/*.parquet'))`,
  );
  const [rowCount] = await engine.run('SELECT count(*)::INT AS n FROM events');
  engine.close();
  await rm(dir, { recursive: true, force: true });

  const rows = Number(rowCount?.n);
  const fileBytes = Number(files[0]?.bytes);
  const marginBytes = meta
    .filter((m) => MARGIN_COLUMNS.includes(String(m.col)))
    .reduce((s, m) => s + Number(m.bytes), 0);
  const streamBytes = event.Records.reduce((s, r) => s + Buffer.from(r.kinesis.data, 'base64').length, 0);
  const perColumn = meta
    .map((m) => ({ col: String(m.col), bytes: Number(m.bytes) / rows }))
    .sort((a, b) => b.bytes - a.bytes)
    .map((m) => `${m.col} ${m.bytes.toFixed(2)}`);

  // The batch's events a second, against a baseline's over the same events.
  const eventsPerSecond = (name: string, ms: number, baseline: string, baselineMs: number) =>
    result(name, (lines.length / ms) * 1000, 'events/s', baseline, (lines.length / baselineMs) * 1000);
  return {
    results: [
      eventsPerSecond(
        'ingest.events_per_s',
        steady.wallMs,
        'decode+JSON.parse only, back to back',
        steadyCeiling.wallMs,
      ),
      eventsPerSecond(
        'ingest.events_per_s_after_full_gc',
        handlerMs,
        'decode+JSON.parse only, after a full GC',
        ceilingMs,
      ),
      eventsPerSecond(
        'ingest.otlp_events_per_s',
        otlpHandler.wallMs,
        'client gzip NDJSON batches',
        inMemory.wallMs,
      ),
      result(
        'parquet.bytes_per_event',
        fileBytes / rows,
        'bytes/event',
        'gzip NDJSON on the stream',
        streamBytes / rows,
      ),
      result(
        'parquet.margin_bytes_per_event',
        marginBytes / rows,
        'bytes/event',
        'whole Parquet row',
        fileBytes / rows,
      ),
    ],
    notes: [
      `steady state (${STEADY_REPS} blocks of ${STEADY_BATCHES} batches back to back, each in turn with a block of the ceiling, no forced collection; one lake; the medians): handler ${perEvent(steady.wallMs)} µs/event wall, ${perEvent(steady.cpuMs)} µs main-thread CPU; the ceiling ${perEvent(steadyCeiling.wallMs)} wall, ${perEvent(steadyCeiling.cpuMs)} CPU (CPU ratio ${steady.cpuMs === null || steadyCeiling.cpuMs === null ? '?' : (steadyCeiling.cpuMs / steady.cpuMs).toFixed(3)})`,
      `one batch after a forced full collection (median of ${RUNS}): handler ${((handlerMs * 1000) / lines.length).toFixed(1)} µs/event, of which decode + validate + dedup ${((validateMs * 1000) / lines.length).toFixed(1)} µs and the Parquet writer ${((parquetMs * 1000) / lines.length).toFixed(1)} µs; the ceiling is ${((ceilingMs * 1000) / lines.length).toFixed(1)} µs`,
      `main-thread CPU per event (process.threadCpuUsage; wall time also counts waits for cores and V8's background threads): handler ${perEvent(handlerTiming.cpuMs)} µs (ratio ${cpuRatio(handlerTiming)}), with a store that keeps nothing ${perEvent(inMemory.cpuMs)} µs (wall ${perEvent(inMemory.wallMs)}), decode + validate + dedup ${perEvent(validate.cpuMs)}, the Parquet writer ${perEvent(parquet.cpuMs)}, the ceiling ${perEvent(ceiling.cpuMs)}`,
      `events writer: ${EVENT_PAGES.codec} pages, ${((parquetMs * 1000) / lines.length).toFixed(1)} µs/event; the generic writer (before, GZIP) ${((genericMs * 1000) / lines.length).toFixed(1)} µs/event`,
      `OTLP (the same ${lines.length} calls as spans, otlp_proto gzip, ${otlpEvent.Records.length} records of ${EVENTS_PER_RECORD} spans, ${(otlp.reduce((n, r) => n + r.length, 0) / lines.length).toFixed(1)} stream bytes a span): handler with a store that keeps nothing ${perEvent(otlpHandler.wallMs)} µs/event wall, ${perEvent(otlpHandler.cpuMs)} µs CPU (the client batch: ${perEvent(inMemory.wallMs)} wall, ${perEvent(inMemory.cpuMs)} CPU); decode + map + validate + dedup ${perEvent(otlpValidate.wallMs)} µs (the client batch's decode + validate + dedup ${perEvent(validate.wallMs)})`,
      `batch: ${lines.length} events in ${event.Records.length} records; ${files[0]?.files} Parquet file(s), ${rows} rows`,
      `compressed bytes per event by column: ${perColumn.join(', ')}`,
    ],
  };
}
