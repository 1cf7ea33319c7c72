import * as zlib from 'node:zlib';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { userHash } from '@tokenledger/client/contract';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { drainStream } from '../../src/adapters/local/kinesis-poller.ts';
import { addCounts, type BatchCounts, emptyCounts } from '../../src/core/ingest/event-batch.ts';
import { otlpMapping } from '../../src/core/ingest/otlp-mapping.ts';
import { EVENT_COLUMNS } from '../../src/core/lake/event-columns.ts';
import { DEFAULT_OTLP_SETTINGS } from '../../src/core/otlp/otlp-settings.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { fileRows, lakeCounts, quarantined } from '../helpers/lake-counts.ts';
import {
  frameOtlp,
  genAiAttributes,
  makeSpans,
  type OtlpCompression,
  type OtlpEncoding,
  otlpRequest,
  type SpanSpec,
  spanEventId,
} from '../helpers/otel-spans.ts';
import { recordInput } from '../helpers/record-input.ts';
import { streamAndLakePerTest } from '../helpers/stream-and-lake.ts';

// Issue 15 item 5, end to end: the client's event batches (the real emitter) and the Collector's OTLP records (SDK
// spans, the SDK's serializers, every encoding and compression) on one Kinesis stream (kinesalite), read by the
// local poller through the real ingest handler into the folder lake. The Parquet files are read back with hyparquet
// and compared column by column to what went in; DuckDB's events_dedup view counts a collector retry once.

const KEY = 'stream-otlp-hmac-key';
const NOW = Date.now();
const env = streamAndLakePerTest();

type Row = Record<string, unknown>;

const decompressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)),
  ...((zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array }).zstdDecompressSync
    ? {
        ZSTD: (input: Uint8Array) =>
          new Uint8Array(
            (zlib as unknown as { zstdDecompressSync: (b: Uint8Array) => Uint8Array }).zstdDecompressSync(
              input,
            ),
          ),
      }
    : {}),
};

/** Every row of every Parquet object under events/, timestamps as epoch ms and 64-bit integers as numbers. */
async function lakeRows(store: FsLakeStore): Promise<Row[]> {
  const rows: Row[] = [];
  for (const key of await store.list('events/')) {
    const bytes = await store.get(key);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    for (const row of await parquetReadObjects({ file, compressors: decompressors })) {
      rows.push(
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v,
          ]),
        ),
      );
    }
  }
  return rows;
}

/** The stored columns, received_at aside (when kinesalite took the record). */
const COLUMNS = EVENT_COLUMNS.map((c) => c.name).filter((n) => n !== 'received_at');
const DEFAULTS: Row = Object.fromEntries(COLUMNS.map((c) => [c, null]));
Object.assign(DEFAULTS, {
  operation: 'chat',
  service_tier: 'standard',
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  cache_write_1h_tokens: 0,
});

/** The row a client event must be stored as, from its record() input. */
function clientRow(i: RecordInput): Row {
  return {
    ...DEFAULTS,
    event_id: i.eventId,
    ts: i.startedAt,
    feature: i.feature,
    cohort: i.cohort,
    customer_id: i.customerId,
    user_hash: userHash(KEY, i.userId as string),
    provider: i.provider,
    model: i.model,
    input_tokens: i.inputTokens,
    cache_read_tokens: i.cacheReadTokens,
    output_tokens: i.outputTokens,
    status: i.status,
    latency_ms: i.latencyMs,
    ...(i.promptId ? { prompt_id: i.promptId, prompt_version: i.promptVersion } : {}),
  };
}

/** The row a span's event must be stored as, from the span's inputs (genAiAttributes plus `extra`). */
function spanRow(span: ReadableSpan, spec: SpanSpec): Row {
  const a = spec.attributes as Record<string, string | number>;
  return {
    ...DEFAULTS,
    event_id: spanEventId(span),
    ts: spec.start,
    latency_ms: spec.durationMs,
    trace_id: span.spanContext().traceId,
    status: spec.error ? 'error' : 'ok',
    feature: a['tokenledger.feature'],
    cohort: a['tokenledger.cohort'],
    customer_id: a['tokenledger.customer_id'],
    user_hash: userHash(KEY, a['enduser.id'] as string),
    provider: a['gen_ai.provider.name'],
    model: a['gen_ai.response.model'],
    operation: a['gen_ai.operation.name'],
    input_tokens: a['gen_ai.usage.input_tokens'],
    output_tokens: a['gen_ai.usage.output_tokens'],
    cache_read_tokens: a['gen_ai.usage.cache_read.input_tokens'],
    reasoning_tokens: a['gen_ai.usage.reasoning.output_tokens'],
    prompt_id: a['gen_ai.prompt.name'],
    prompt_version: a['gen_ai.prompt.version'],
  };
}

let spanCount = 0;
/** `n` GenAI spans (each its own user, customer, tokens) and one HTTP span, under one resource. */
function spansFor(n: number): { all: ReadableSpan[]; spans: ReadableSpan[]; specs: SpanSpec[] } {
  const specs: SpanSpec[] = Array.from({ length: n }, () => {
    const k = ++spanCount;
    return {
      start: NOW - 3_600_000 + k * 1000,
      durationMs: 400 + k,
      attributes: genAiAttributes({
        'gen_ai.usage.input_tokens': 1000 + k,
        'gen_ai.usage.output_tokens': 100 + k,
        'gen_ai.usage.cache_read.input_tokens': k,
        'gen_ai.usage.reasoning.output_tokens': k % 50,
        'gen_ai.prompt.name': `prompt-${k % 3}`,
        'gen_ai.prompt.version': `v${k % 5}`,
        'tokenledger.customer_id': `cus_${k}`,
        'enduser.id': `span-user-${k}@example.com`,
        'tokenledger.feature': `otlp.feature-${k % 4}`,
      }),
    };
  });
  const all = makeSpans([...specs, { start: NOW - 1000, attributes: { 'http.route': '/v1/chat' } }]);
  return { all, spans: all.slice(0, n), specs };
}

async function putRecords(records: Uint8Array[]): Promise<void> {
  const { kinesis } = env;
  const out = await kinesis.client.send(
    new PutRecordsCommand({
      StreamName: kinesis.streamName,
      Records: records.map((Data, i) => ({ Data, PartitionKey: `pk-${i}` })),
    }),
  );
  expect(out.FailedRecordCount ?? 0).toBe(0);
}

let clientEvents = 0;
async function sendClientEvents(n: number): Promise<RecordInput[]> {
  const { kinesis } = env;
  const ledger = createEmitter({
    streamName: kinesis.streamName,
    kinesisClient: kinesis.client,
    hmacKey: KEY,
    maxRecordEvents: 4,
  });
  const inputs = Array.from({ length: n }, () => {
    const k = ++clientEvents;
    return recordInput({
      eventId: `client-evt-${String(k).padStart(5, '0')}`,
      startedAt: NOW - 7_200_000 + k * 1000,
      customerId: `cus_client_${k}`,
      userId: `client-user-${k}@example.com`,
      ...(k % 2 === 0 ? { promptId: 'draft', promptVersion: `v${k}` } : {}),
    });
  });
  for (const i of inputs) ledger.record(i);
  await ledger.shutdown();
  expect(ledger.stats()).toMatchObject({ sent: n, dropped: 0, invalid: 0 });
  return inputs;
}

/** Reads the stream to its end through the real ingest handler (OTLP user ids hashed under KEY) into the lake. */
async function consume(
  store: FsLakeStore,
  batchSize = 1000,
): Promise<{ counts: BatchCounts; batches: number }> {
  const counts = emptyCounts();
  const handler = createIngestHandler({
    store,
    otlp: Promise.resolve(otlpMapping(DEFAULT_OTLP_SETTINGS, KEY)),
    onBatch: (report) => addCounts(counts, report.counts),
  });
  let batches = 0;
  const wrapped = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    batches++;
    return handler(event);
  };
  await drainStream(env.kinesis.client, env.kinesis.streamName, wrapped, { batchSize });
  return { counts, batches };
}

const OTLP_FRAMINGS: [OtlpEncoding, OtlpCompression, boolean][] = [
  ['otlp_proto', 'gzip', false],
  ['otlp_json', 'zlib', false],
  ['otlp_proto', 'flate', true],
  ['otlp_json', 'none', false],
  ['otlp_proto', 'none', false],
  ['otlp_json', 'gzip', true],
];

describe('a mixed stream of client batches and OTLP records → the lake, end to end (kinesalite)', () => {
  it('stores every client event and every LLM span, field by field; skips the other spans; quarantines nothing', async () => {
    // Prepare: client batches, OTLP records in six framings, client batches again.
    const store = new FsLakeStore(env.lake.dir);
    const first = await sendClientEvents(10);
    const otlp = OTLP_FRAMINGS.map(([encoding, compression, footerless]) => {
      const { all, spans, specs } = spansFor(3);
      const record = frameOtlp(otlpRequest(all, encoding), compression, footerless);
      return { spans, specs, record };
    });
    await putRecords(otlp.map((o) => o.record));
    const second = await sendClientEvents(7);

    // Act
    const started = Date.now();
    const { counts } = await consume(store);

    // Assess: every row, every column (received_at: when the stream took it).
    const rows = await lakeRows(store);
    const byId = new Map(rows.map((r) => [r.event_id as string, r]));
    const expected = [
      ...[...first, ...second].map(clientRow),
      ...otlp.flatMap((o) => o.spans.map((s, i) => spanRow(s, o.specs[i] as SpanSpec))),
    ];
    expect(rows).toHaveLength(expected.length);
    for (const want of expected) {
      const got = byId.get(want.event_id as string);
      expect(got, `row ${want.event_id}`).toBeDefined();
      expect(Object.fromEntries(COLUMNS.map((c) => [c, got?.[c]]))).toEqual(want);
      expect(got?.received_at).toBeGreaterThanOrEqual(NOW - 60_000);
      expect(got?.received_at).toBeLessThanOrEqual(started);
    }
    expect(counts).toMatchObject({
      events: expected.length,
      accepted: expected.length,
      duplicates: 0,
      quarantined: 0,
      spans: OTLP_FRAMINGS.length * 4,
      skippedSpans: OTLP_FRAMINGS.length,
    });
    expect(await quarantined(store)).toEqual([]);
    const lake = await lakeCounts(env.lake.dir);
    expect({ rows: lake.rows, files: fileRows(lake), dedup: lake.dedup }).toEqual({
      rows: expected.length,
      files: expected.length,
      dedup: expected.length,
    });
  });

  it('a collector retry — the same record again in the batch, in a later batch, and split over two batches — counts once', async () => {
    // Prepare
    const store = new FsLakeStore(env.lake.dir);
    const { all, spans, specs } = spansFor(2);
    const [a, b] = spans as [ReadableSpan, ReadableSpan];
    const record = frameOtlp(otlpRequest(all, 'otlp_proto'), 'gzip');
    const client = await sendClientEvents(3);

    // Act: the record twice in one batch; the stream read again (as after a lost checkpoint) with the record a third
    // time; then its spans in two records, the stream read one record per batch.
    await putRecords([record, record]);
    const once = await consume(store);
    await putRecords([record]);
    const again = await consume(store);
    await putRecords([
      frameOtlp(otlpRequest([a], 'otlp_json'), 'zlib'),
      frameOtlp(otlpRequest([b], 'otlp_proto'), 'flate', true),
    ]);
    const split = await consume(store, 1);

    // Assess
    expect(once.counts).toMatchObject({ accepted: 3 + 2, duplicates: 2, quarantined: 0 });
    expect(again.counts).toMatchObject({ accepted: 3 + 2, duplicates: 4, quarantined: 0 });
    expect(split.batches).toBeGreaterThanOrEqual(2);
    expect(split.counts).toMatchObject({ quarantined: 0 });
    const lake = await lakeCounts(env.lake.dir);
    const ids = [...client.map((c) => c.eventId as string), spanEventId(a), spanEventId(b)].sort();
    expect([...lake.dedupCopies.keys()].sort()).toEqual(ids);
    expect([...lake.dedupCopies.values()].every((n) => n === 1)).toBe(true);
    expect(lake.dedup).toBe(ids.length);
    // the spans were stored more than once (each delivery writes its own objects): the view, not luck, dedups
    expect(lake.copies.get(spanEventId(a))).toBeGreaterThan(1);
    expect(lake.copies.get(spanEventId(b))).toBeGreaterThan(1);
    // and each stored copy is the same row
    const rows = (await lakeRows(store)).filter((r) => r.event_id === spanEventId(a));
    const want = spanRow(a, specs[0] as SpanSpec);
    for (const r of rows) expect(Object.fromEntries(COLUMNS.map((c) => [c, r[c]]))).toEqual(want);
  });
});
