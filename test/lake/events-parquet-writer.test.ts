import * as zlib from 'node:zlib';
import type { ReceivedEvent } from '@tokenledger/client/contract';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { encodeBatch } from '../../src/core/framing/record-framing.ts';
import { EventBatch } from '../../src/core/ingest/event-batch.ts';
import { parseEventLine } from '../../src/core/ingest/parse-event-line.ts';
import { samplePosition } from '../../src/core/lake/encoded-column.ts';
import { EVENT_COLUMNS, type EventRow } from '../../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../../src/core/lake/events-parquet.ts';
import { eventsToParquetGeneric } from '../../src/core/lake/events-parquet-generic.ts';
import { GZIP_PAGES, type PageCodec, zstdPages } from '../../src/core/lake/page-codec.ts';
import { generateTraffic, trafficLines } from '../../src/demo/traffic.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { kinesisEvent, line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The events writer (src/core/lake/events-parquet.ts) encodes the columns itself; hyparquet-writer's generic
// writer (eventsToParquetGeneric, what the consumer used before) is the reference. Files from both are decoded
// and compared row by row, with both page codecs, on the demo's traffic and on rows made to cover every field
// missing and present, nulls, unicode, empty strings and JSON columns; DuckDB reads what the handler writes.

type ZstdDecompress = (data: Uint8Array) => Uint8Array;
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: ZstdDecompress }).zstdDecompressSync;
const decompressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)),
  ...(zstdDecompressSync ? { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) } : {}),
};
const zstd = zstdPages(1);
const codecs: [string, PageCodec][] = [
  ['GZIP', GZIP_PAGES],
  ...(zstd ? [['ZSTD', zstd] as [string, PageCodec]] : []),
];

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** A file's rows as plain values: timestamps as epoch ms, 64-bit integers as numbers. */
async function decode(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const rows = await parquetReadObjects({ file: arrayBuffer(bytes), compressors: decompressors });
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v,
      ]),
    ),
  );
}

/**
 * What the file must hold for a row: every column, tags and tool calls as JSON text, a missing field as null,
 * strings as UTF-8 holds them (a lone surrogate becomes U+FFFD).
 */
function expectedCells(row: EventRow): Record<string, unknown> {
  return Object.fromEntries(
    EVENT_COLUMNS.map((c) => {
      const raw = (row as unknown as Record<string, unknown>)[c.name] ?? null;
      const value =
        (c.name === 'tags' || c.name === 'tool_calls') && raw !== null ? JSON.stringify(raw) : raw;
      return [c.name, typeof value === 'string' ? Buffer.from(value, 'utf8').toString('utf8') : value];
    }),
  );
}

const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.event_id) < String(b.event_id) ? -1 : String(a.event_id) > String(b.event_id) ? 1 : 0;

function validated(
  wire: Record<string, unknown>,
  receivedAt = Date.parse('2026-11-02T10:00:05Z'),
): ReceivedEvent {
  const result = parseEventLine(JSON.stringify(wire), receivedAt);
  if (!result.ok) throw new Error(`test event refused: ${JSON.stringify(result.rejections)}`);
  return result.event;
}

/** The demo's traffic as the consumer accepts it: `count` events from the first of the month on. */
function demoRows(count: number, skip = 0): EventRow[] {
  const lines = trafficLines(
    generateTraffic({ month: '2026-10', requests: 31 * 10_000, duplicateShare: 0, malformedShare: 0 }),
  ).slice(skip, skip + count);
  const batch = new EventBatch();
  let sequence = 0;
  for (let i = 0; i < lines.length; i += 500) {
    for (const record of encodeBatch(lines.slice(i, i + 500))) {
      batch.add({
        stream: 's',
        shardId: 'shardId-0',
        sequenceNumber: String(++sequence).padStart(8, '0'),
        arrivedAt: Date.parse('2026-11-01T00:00:00Z'),
        data: record.data,
      });
    }
  }
  return batch.rows;
}

/** Rows that set each optional field and leave it out, with unicode, empty strings and JSON columns. */
function edgeRows(): EventRow[] {
  const base = { ts: '2026-11-02T09:00:00.000Z' };
  const wire = [
    wireEvent({ ...base, customer_id: null, user_hash: null }),
    wireEvent({ ...base, customer_id: undefined, user_hash: undefined }),
    wireEvent({
      ...base,
      prompt_id: 'welcome-mail',
      prompt_version: 'v12',
      delivered_output_tokens: 12,
      latency_ms: 1234.5,
      ttft_ms: 0.25,
      tags: { team: 'växjö 🚀', 'region/eu': '東京', empty: '' },
      tool_calls: { web_search: 3, file_search: 1 },
      trace_id: 'trace-0001-abcdef',
      cache_write_tokens: 100,
      cache_write_1h_tokens: 40,
      reasoning_tokens: 50,
      output_tokens: 300,
      service_tier: 'batch',
      operation: 'embeddings',
      status: 'error',
    }),
    wireEvent({ ...base, customer_id: 'cüstömer-ß', tags: {}, tool_calls: {} }),
    wireEvent({ ...base, ts: '2026-11-02T09:00:00.000Z', latency_ms: 0, ttft_ms: 0 }),
    wireEvent({
      ...base,
      ts: '2026-11-02T23:59:59.999Z',
      model: 'claude-3-5-sonnet-20241022',
      provider: 'anthropic',
    }),
    wireEvent({ ...base, ts: '2026-11-03T00:00:00.000Z', input_tokens: 1_000_000_000, cache_read_tokens: 0 }),
  ];
  const rows: EventRow[] = wire.map((w) => validated(w, Date.parse('2026-11-03T00:00:05Z')));
  const first = rows[0] as EventRow;
  // Values the contract would refuse but the writer must still store as given (the writer does not validate).
  rows.push(
    { ...first, event_id: 'evt_edge_empty', customer_id: '', user_hash: '', prompt_id: '', trace_id: '' },
    {
      ...first,
      event_id: 'evt_edge_unicode_𝄞',
      customer_id: '\u{1F600}\uE000',
      model: 'ｍｏｄｅｌ',
      feature: 'x',
    },
    { ...first, event_id: 'evt_edge_surrogate', customer_id: '\uD800 lone', tags: { k: '\uDFFF' } },
  );
  return rows;
}

describe('events writer: the same file contents as the generic writer', () => {
  const demo = demoRows(12_000);
  const edge = edgeRows();

  it.each(codecs)('demo traffic, one file per day of the batch (%s)', async (_name, pages) => {
    // Prepare: the batch crosses midnight, so it is split by day as the consumer splits it.
    const days = new Map<string, EventRow[]>();
    for (const row of demo) {
      const day = new Date(row.ts).toISOString().slice(0, 10);
      days.set(day, [...(days.get(day) ?? []), row]);
    }
    expect(days.size).toBe(2);

    for (const rows of days.values()) {
      // Act
      const bytes = eventsToParquet(rows, { pages });
      const reference = eventsToParquetGeneric(rows);

      // Assess: the same rows in the same order, the same schema, the same column statistics.
      expect(await decode(bytes)).toEqual(await decode(reference));
      expect([...(await decode(bytes))].sort(byId)).toEqual(rows.map(expectedCells).sort(byId));
      const written = parquetMetadata(arrayBuffer(bytes));
      const generic = parquetMetadata(arrayBuffer(reference));
      expect(written.schema).toEqual(generic.schema);
      expect(written.num_rows).toBe(generic.num_rows);
      const stats = (m: typeof written) =>
        m.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.statistics));
      expect(stats(written)).toEqual(stats(generic));
      const encodings = (m: typeof written) =>
        m.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.encodings.at(-1)));
      expect(encodings(written)).toEqual(encodings(generic));
    }
  });

  it.each(codecs)(
    'every optional field missing and present, unicode, empty strings, JSON (%s)',
    async (_n, pages) => {
      const bytes = eventsToParquet(edge, { pages });
      expect(await decode(bytes)).toEqual(await decode(eventsToParquetGeneric(edge)));
      expect([...(await decode(bytes))].sort(byId)).toEqual(edge.map(expectedCells).sort(byId));
      const generic = parquetMetadata(arrayBuffer(eventsToParquetGeneric(edge)));
      const stats = (m: typeof generic) =>
        m.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.statistics));
      expect(stats(parquetMetadata(arrayBuffer(bytes)))).toEqual(stats(generic));
    },
  );

  it.each(codecs)('one row, all nulls where allowed, and no rows (%s)', async (_n, pages) => {
    const one = [validated(wireEvent({ customer_id: null, user_hash: null }))];
    expect(await decode(eventsToParquet(one, { pages }))).toEqual(await decode(eventsToParquetGeneric(one)));
    const empty = eventsToParquet([], { pages });
    expect(await decode(empty)).toEqual([]);
    expect(parquetMetadata(arrayBuffer(empty)).schema).toEqual(
      parquetMetadata(arrayBuffer(eventsToParquetGeneric([]))).schema,
    );
  });

  it('a large batch (50,000 events: pages past the generic writer’s 1 MB page size)', async () => {
    const rows = demoRows(50_000, 20_000);
    const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
    const got = await decode(bytes);
    expect(got).toHaveLength(rows.length);
    expect(got).toEqual(await decode(eventsToParquetGeneric(rows)));
  });

  it('timestamps far apart (delta-packed through BigInt) and tied ones (ordered by event_id)', async () => {
    const first = edge[0] as EventRow;
    const rows: EventRow[] = [
      { ...first, event_id: 'evt_far_1', ts: 0, received_at: 2 ** 52 },
      { ...first, event_id: 'evt_far_2', ts: 2 ** 50, received_at: 1 },
      { ...first, event_id: 'evt_tie_b', ts: 5_000 },
      { ...first, event_id: 'evt_tie_a', ts: 5_000 },
      { ...first, event_id: 'evt_tie_c', ts: 5_000 },
    ];
    const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
    expect(await decode(bytes)).toEqual(await decode(eventsToParquetGeneric(rows)));
    expect((await decode(bytes)).map((r) => r.event_id)).toEqual([
      'evt_far_1',
      'evt_tie_a',
      'evt_tie_b',
      'evt_tie_c',
      'evt_far_2',
    ]);
  });

  it('rows out of time order, ts spanning 2^50 ms: stored in ts then event_id order, as the generic writer stores them', async () => {
    const first = edge[0] as EventRow;
    const rows: EventRow[] = Array.from({ length: 40 }, (_, i) => ({
      ...first,
      event_id: `evt_wide_${String(i).padStart(2, '0')}`,
      provider: `provider-${i % 20}`,
      ts: (i % 3) * 2 ** 49,
    }));
    const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
    const stored = await decode(bytes);
    expect(stored).toEqual(await decode(eventsToParquetGeneric(rows)));
    const key = (r: Record<string, unknown>) => [r.ts as number, r.event_id as string] as const;
    const expected = rows
      .map((r) => [r.ts, r.event_id] as const)
      .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(stored.map(key)).toEqual(expected);
  });

  it('dictionaries of 1 to 20 values (searched value by value up to 8, then by Map): the generic writer’s rows', async () => {
    // Each value is built anew for every row (as JSON.parse makes them), so no two rows share a string object.
    const first = edge[0] as EventRow;
    const rows: EventRow[] = Array.from({ length: 400 }, (_, i) => ({
      ...first,
      event_id: `evt_dict_${String(i).padStart(3, '0')}`,
      ts: 1_000 + i,
      feature: ['feature', String(i % 9)].join('-'),
      model: ['model', String((i * 7) % 20)].join('-'),
      cohort: ['cohort', String(i % 8)].join('-'),
      provider: ['provider', '1'].join('-'),
    }));
    const stored = await decode(eventsToParquet(rows, { pages: GZIP_PAGES }));
    expect(stored).toEqual(await decode(eventsToParquetGeneric(rows)));
    expect(stored.map((r) => [r.feature, r.model, r.cohort, r.provider])).toEqual(
      rows.map((r) => [r.feature, r.model, r.cohort, r.provider]),
    );
  });

  it('event ids that share prefixes of every length, one the start of the next: the generic writer’s rows', async () => {
    // The ASCII path of the DELTA_BYTE_ARRAY encoder compares each id with the one before it in storage order.
    const first = edge[0] as EventRow;
    const ids = [
      'a',
      'ab',
      'abc',
      'abc',
      'abd',
      'b',
      'ba',
      'bab',
      'bb',
      'Z',
      'z-long-suffix-0123456789',
      'z',
    ];
    const rows: EventRow[] = ids.map((event_id, i) => ({ ...first, event_id, ts: 1_000 + i }));
    const stored = await decode(eventsToParquet(rows, { pages: GZIP_PAGES }));
    expect(stored).toEqual(await decode(eventsToParquetGeneric(rows)));
    expect(stored.map((r) => r.event_id)).toEqual(ids);
  });

  it('the dictionary rule’s sample, answered from bounds or taken: the generic writer’s encodings', async () => {
    // prompt_id: a few values, present only on rows the sample does not pick (the sample then sees none and
    // rejects the dictionary); customer_id: 100 values, past the small dictionary, so the sample is taken;
    // model: two values, one of them long, the sample answered from the dictionary's bounds.
    const first = edge[0] as EventRow;
    const n = 2_000;
    const picked = new Set(Array.from({ length: 1_000 }, (_, i) => samplePosition(i, 1_000, n)));
    const rows: EventRow[] = Array.from({ length: n }, (_, i) => ({
      ...first,
      event_id: `evt_sample_${String(i).padStart(4, '0')}`,
      ts: 1_000 + i,
      prompt_id: picked.has(i) ? null : ['prompt', String(i % 3)].join('-'),
      prompt_version: picked.has(i) ? null : 'v1',
      customer_id: ['customer', String(i % 100)].join('-'),
      model: i % 2 === 0 ? 'm' : 'x'.repeat(200),
    }));
    const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
    const reference = eventsToParquetGeneric(rows);
    expect(await decode(bytes)).toEqual(await decode(reference));
    const encodings = (file: Uint8Array) =>
      Object.fromEntries(
        parquetMetadata(arrayBuffer(file)).row_groups[0]?.columns.map((c) => [
          c.meta_data?.path_in_schema[0],
          c.meta_data?.encodings.at(-1),
        ]) ?? [],
      );
    expect(encodings(bytes)).toEqual(encodings(reference));
    expect(encodings(bytes)).toMatchObject({
      prompt_id: 'PLAIN',
      customer_id: 'RLE_DICTIONARY',
      model: 'RLE_DICTIONARY',
    });
  });

  it('string columns counted in the dictionary pass: nulls around the 65th value, dictionaries that stop paying part-way, the generic writer’s files', async () => {
    // customer_id: nulls every 3rd row, and the 65th distinct value on row 190 (the pass stops there and the rest is
    // counted apart); user_hash: 40 long distinct values on 60 rows (the dictionary cannot pay, found only at the
    // end); trace_id: 200 distinct values (past 64, the sample then says PLAIN); tags: null but on the last row.
    const first = edge[0] as EventRow;
    const n = 600;
    const rows: EventRow[] = Array.from({ length: n }, (_, i) => ({
      ...first,
      event_id: `evt_count_${String(i).padStart(4, '0')}`,
      ts: 1_000 + i,
      customer_id:
        i % 3 === 0 ? null : ['cus', String(Math.min(i, 190) % 65), i > 190 ? String(i % 90) : ''].join('-'),
      user_hash: i < 60 ? `${'h'.repeat(60)}${i % 40}` : null,
      trace_id: `trace${String(i % 200).padStart(8, '0')}`,
      tags: i === n - 1 ? { last: 'row' } : null,
    }));
    const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
    const reference = eventsToParquetGeneric(rows);
    expect(await decode(bytes)).toEqual(await decode(reference));
    const meta = (file: Uint8Array) =>
      parquetMetadata(arrayBuffer(file)).row_groups[0]?.columns.map((c) => [
        c.meta_data?.path_in_schema[0],
        c.meta_data?.encodings.at(-1),
        c.meta_data?.statistics,
      ]);
    expect(meta(bytes)).toEqual(meta(reference));
  });

  it('a required string missing before or after the dictionary pass stops: refused, and the next file is whole', () => {
    const first = edge[0] as EventRow;
    const many = (missingAt: number) =>
      Array.from({ length: 300 }, (_, i) => ({
        ...first,
        event_id: `evt_req_${String(i).padStart(4, '0')}`,
        ts: 1_000 + i,
        feature: i === missingAt ? null : `feature-${i}`,
      })) as unknown as EventRow[];
    // Row 10 is met while the dictionary is small; row 250 only after it passed 64 values.
    expect(() => eventsToParquet(many(10))).toThrow(/required value/);
    expect(() => eventsToParquet(many(250))).toThrow(/required value/);
    expect(eventsToParquet([first]).length).toBeGreaterThan(0);
  });

  it('a required number missing, or a number column holding text: refused, naming the column', () => {
    const first = edge[0] as EventRow;
    const missing = { ...first, input_tokens: undefined } as unknown as EventRow;
    expect(() => eventsToParquet([first, missing])).toThrow(/column input_tokens/);
    const text = { ...first, latency_ms: '12' } as unknown as EventRow;
    expect(() => eventsToParquet([text])).toThrow(/column latency_ms, got 12/);
    const noTs = { ...first, ts: null } as unknown as EventRow;
    expect(() => eventsToParquet([noTs])).toThrow(/column ts/);
    // The writer is left as it was: the next file is written whole.
    expect(eventsToParquet([first]).length).toBeGreaterThan(0);
  });

  it('the same rows in another input order give the same bytes', () => {
    const rows = demo.slice(0, 2_000);
    expect(eventsToParquet([...rows].reverse(), { pages: GZIP_PAGES })).toEqual(
      eventsToParquet(rows, { pages: GZIP_PAGES }),
    );
  });
});

describe('events writer: shortcuts that must not change the file', () => {
  const first = edgeRows()[0] as EventRow;
  /** Each column chunk's statistics and last encoding: what the file says of its columns besides their values. */
  const described = (bytes: Uint8Array) =>
    parquetMetadata(arrayBuffer(bytes)).row_groups.flatMap((g) =>
      g.columns.map((c) => [
        c.meta_data?.path_in_schema,
        c.meta_data?.statistics,
        c.meta_data?.encodings.at(-1),
      ]),
    );
  /** A string made anew, as JSON.parse makes each row's (no two rows share a string object). */
  const fresh = (text: string) => [...text].join('');

  it('event id bounds taken from each id and the one before it: the generic writer’s statistics, in any order', async () => {
    // Ids over a few characters, so that neighbours share prefixes, are equal, or are each other's start; the rows
    // are stored in this order (ts rising), ascending, descending or mixed.
    const id = fc.string({ unit: fc.constantFrom('a', 'b', 'B', '0', '-', '_'), minLength: 1, maxLength: 6 });
    const ids = fc.oneof(
      fc.array(id, { minLength: 1, maxLength: 40 }),
      fc.array(id, { minLength: 1, maxLength: 40 }).map((a) => [...a].sort()),
      fc.array(id, { minLength: 1, maxLength: 40 }).map((a) => [...a].sort().reverse()),
    );
    await fc.assert(
      fc.asyncProperty(ids, async (eventIds) => {
        const rows = eventIds.map((eventId, i) => ({ ...first, event_id: fresh(eventId), ts: 1_000 + i }));
        const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
        const generic = eventsToParquetGeneric(rows);
        expect(described(bytes)).toEqual(described(generic));
        expect(await decode(bytes)).toEqual(await decode(generic));
      }),
      { numRuns: 150 },
    );
  });

  it('label dictionaries of 5 to 64 values, many of one length and last character: the generic writer’s file', async () => {
    // Values that share a length and a last character meet in one slot of the dictionary pass's cache of recent
    // values, so each turns the other out; the dictionary, its order and every row's value must not change.
    // The empty string too: the writer stores whatever it is given.
    const label = fc.oneof(
      { arbitrary: fc.constant(''), weight: 1 },
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom('x', 'xy', 'xyz'),
            fc.integer({ min: 0, max: 99 }),
            fc.constantFrom('a', 'b'),
          )
          .map(([head, n, last]) => `${head}-${String(n).padStart(2, '0')}${last}`),
        weight: 20,
      },
    );
    const column = fc
      .uniqueArray(label, { minLength: 5, maxLength: 64 })
      .chain((values) => fc.array(fc.constantFrom(...values), { minLength: values.length, maxLength: 300 }));
    await fc.assert(
      fc.asyncProperty(column, column, async (features, models) => {
        const n = Math.min(features.length, models.length);
        const rows = Array.from({ length: n }, (_, i) => ({
          ...first,
          event_id: `evt_recent_${String(i).padStart(3, '0')}`,
          ts: 1_000 + i,
          feature: fresh(features[i] as string),
          model: fresh(models[i] as string),
        }));
        const bytes = eventsToParquet(rows, { pages: GZIP_PAGES });
        const generic = eventsToParquetGeneric(rows);
        expect(described(bytes)).toEqual(described(generic));
        expect(await decode(bytes)).toEqual(await decode(generic));
      }),
      { numRuns: 60 },
    );
  });
});

describe('events writer: DuckDB reads what the consumer writes', () => {
  let lake: { dir: string; remove: () => Promise<void> };
  let engine: LocalQueryEngine;
  const wire = [
    wireEvent({
      tags: { team: 'växjö 🚀' },
      latency_ms: 1.5,
      delivered_output_tokens: 3,
      tool_calls: { web_search: 2 },
    }),
    wireEvent({ customer_id: null, user_hash: null, ts: '2026-11-02T23:59:59.999Z' }),
    wireEvent({
      ts: '2026-11-03T00:00:00.000Z',
      trace_id: 'trace-abcdefgh',
      prompt_id: 'p',
      prompt_version: '',
    }),
  ];
  beforeAll(async () => {
    lake = await tempDir();
    const handler = createIngestHandler({ store: new FsLakeStore(lake.dir) });
    await handler(kinesisEvent([wire.map((w) => line(w))]));
    engine = await LocalQueryEngine.open(lake.dir);
  });
  afterAll(async () => {
    engine.close();
    await lake.remove();
  });

  it('every column of every row, as the consumer validated it', async () => {
    const columns = EVENT_COLUMNS.map((c) =>
      c.duckdb === 'TIMESTAMP' ? `epoch_ms(${c.name})::DOUBLE AS ${c.name}` : c.name,
    ).join(', ');
    const rows = await engine.run(
      `SELECT ${columns} FROM read_parquet('${lake.dir}/events/**/*.parquet') ORDER BY event_id`,
    );
    const received = Date.parse('2026-11-02T10:00:05.000Z');
    const expected = wire.map((w) => expectedCells(validated(w, received))).sort(byId);
    expect(
      rows.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
      ),
    ).toEqual(expected);
    const codecs = await engine.run(
      `SELECT DISTINCT compression FROM parquet_metadata('${lake.dir}/events/**/*.parquet') ORDER BY 1`,
    );
    expect(codecs.map((c) => c.compression)).toContain(zstd ? 'ZSTD' : 'GZIP');
  });

  it.skipIf(!zstd)(
    'a folder mixing GZIP files (written on Node 20) and ZSTD files reads as one table',
    async () => {
      const rows = demoRows(2_000);
      const store = new FsLakeStore(lake.dir);
      await store.putNew('mixed/a.parquet', eventsToParquet(rows.slice(0, 1_000), { pages: GZIP_PAGES }), '');
      await store.putNew(
        'mixed/b.parquet',
        eventsToParquet(rows.slice(1_000), { pages: zstd as PageCodec }),
        '',
      );
      const [count] = await engine.run(
        `SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS ids, sum(input_tokens)::DOUBLE AS input
         FROM read_parquet('${lake.dir}/mixed/*.parquet')`,
      );
      expect(count).toEqual({ n: 2_000, ids: 2_000, input: rows.reduce((s, r) => s + r.input_tokens, 0) });
    },
  );
});
