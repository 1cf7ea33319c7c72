import { createHash } from 'node:crypto';
import {
  deflateRawSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
  constants as zlib,
} from 'node:zlib';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RECORD_LIMITS } from '@tokenledger/client/contract';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { readRecord } from '../../src/core/framing/read-record.ts';
import { encodeBatch, FramingError } from '../../src/core/framing/record-framing.ts';
import { EventBatch } from '../../src/core/ingest/event-batch.ts';
import { otlpMapping } from '../../src/core/ingest/otlp-mapping.ts';
import type { QuarantineEntry } from '../../src/core/ingest/quarantine-entry.ts';
import type { StreamRecord } from '../../src/core/ingest/stream-record.ts';
import { DEFAULT_OTLP_SETTINGS } from '../../src/core/otlp/otlp-settings.ts';
import { OTLP_SPANS_PER_RECORD_MAX, OtlpError } from '../../src/core/otlp/otlp-span.ts';
import { readJsonRequest } from '../../src/core/otlp/read-json.ts';
import { readProtoRequest } from '../../src/core/otlp/read-proto.ts';
import { ARRIVAL, line, wireEvent } from '../helpers/factories.ts';
import {
  frameOtlp,
  genAiAttributes,
  makeSpans,
  OTLP_COMPRESSIONS,
  OTLP_ENCODINGS,
  type OtlpCompression,
  type OtlpEncoding,
  otlpRequest,
  spanEventId,
} from '../helpers/otel-spans.ts';

// Issue 15 item 5, the fault suite for OTLP records: whatever a record holds — a broken or hostile protobuf, JSON where
// protobuf was expected, a record of 100,000 spans, attributes of the wrong type, a decompression bomb, random or
// mutated bytes — the consumer refuses or quarantines that record (or span) alone, never throws, keeps every good
// record around it in the same batch, and never stores a raw end-user id.

const KEY = 'hostile-hmac-key';
const MiB = 1024 * 1024;
/** Span starts a little before the records arrive (factories' ARRIVAL), so that the contract accepts their ts. */
const START = ARRIVAL - 60_000;

let sequence = 0;
function streamRecord(data: Uint8Array): StreamRecord {
  sequence++;
  return {
    stream: 'llm-events',
    shardId: 'shardId-000000000000',
    sequenceNumber: `4963${String(sequence).padStart(52, '0')}`,
    arrivedAt: ARRIVAL,
    data,
  };
}

function newBatch(): EventBatch {
  return new EventBatch(otlpMapping(DEFAULT_OTLP_SETTINGS, KEY));
}

// --- good records, to put around the hostile ones --------------------------------------------------------

let users = 0;
/** A raw end-user id, unique and easy to search for. */
const newUser = () => `user-${++users}-secret@example.com`;
const allUsers: string[] = [];

interface Good {
  data: Buffer;
  eventIds: string[];
}

function clientRecord(n = 3): Good {
  const events = Array.from({ length: n }, () => wireEvent());
  const [record] = encodeBatch(events.map(line));
  return { data: record?.data as Buffer, eventIds: events.map((e) => e.event_id as string) };
}

function otlpSpans(n: number, extra: Record<string, unknown> = {}): ReadableSpan[] {
  return makeSpans(
    Array.from({ length: n }, (_, i) => {
      const user = newUser();
      allUsers.push(user);
      return {
        start: START + i,
        attributes: genAiAttributes({ 'enduser.id': user, ...extra }) as Record<string, string | number>,
      };
    }),
  );
}

function otlpRecord(
  encoding: OtlpEncoding = 'otlp_proto',
  compression: OtlpCompression = 'gzip',
  n = 2,
): Good {
  const spans = otlpSpans(n);
  return { data: frameOtlp(otlpRequest(spans, encoding), compression), eventIds: spans.map(spanEventId) };
}

/**
 * One batch: a client gzip batch and a good OTLP record, the hostile records, then another client batch and OTLP
 * record (in other encodings). Every good event must be stored, whatever the hostile records do.
 */
function around(hostile: readonly Uint8Array[]): {
  batch: EventBatch;
  good: string[];
  hostileSeqs: string[];
} {
  const before = [clientRecord(), otlpRecord('otlp_proto', 'gzip')];
  const after = [clientRecord(), otlpRecord('otlp_json', 'zlib')];
  const batch = newBatch();
  for (const g of before) batch.add(streamRecord(g.data));
  const hostileSeqs: string[] = [];
  for (const h of hostile) {
    const r = streamRecord(h);
    hostileSeqs.push(r.sequenceNumber);
    expect(() => batch.add(r)).not.toThrow();
  }
  for (const g of after) batch.add(streamRecord(g.data));
  const good = [...before, ...after].flatMap((g) => g.eventIds);
  expect(batch.rows.map((r) => r.event_id).slice(0, 5)).toEqual(good.slice(0, 5));
  expect(batch.rows.map((r) => r.event_id).slice(-5)).toEqual(good.slice(-5));
  return { batch, good, hostileSeqs };
}

const key = (q: QuarantineEntry) => q.reasons.map((r) => `${r.field}:${r.code}`).join(',');

/** The hostile records' quarantine entries must be exactly these: one per record, whole, without its bytes. */
function expectRefusedWhole(batch: EventBatch, seqs: string[], reason: string): void {
  const entries = batch.quarantined.filter((q) => seqs.includes(q.sequence_number));
  expect(
    entries.map((q) => ({
      seq: q.sequence_number,
      index: q.index,
      reason: key(q),
      raw: q.raw,
      enc: q.raw_encoding,
    })),
  ).toEqual(seqs.map((seq) => ({ seq, index: null, reason, raw: '', enc: 'none' })));
}

// --- a protobuf writer, for requests the SDK would never write ----------------------------------------

const { Writer } = protobuf;
type Field = (w: protobuf.Writer) => void;
const LD = 2;
const bytesField =
  (n: number, b: Uint8Array): Field =>
  (w) =>
    void w.uint32((n << 3) | LD).bytes(b);
const message = (...fields: Field[]): Uint8Array => {
  const w = Writer.create();
  for (const f of fields) f(w);
  return w.finish();
};
const stringField =
  (n: number, s: string): Field =>
  (w) =>
    void w.uint32((n << 3) | LD).string(s);
const fixed64Field =
  (n: number, v: number): Field =>
  (w) =>
    void w.uint32((n << 3) | 1).fixed64(v);
const intAttribute = (k: string, v: number): Field =>
  bytesField(
    9,
    message(
      stringField(1, k),
      bytesField(
        2,
        message((w) => void w.uint32(3 << 3).int64(v)),
      ),
    ),
  );

/** The trace id of span `i` (its span id is the last 8 bytes): mostly zeros, so that a large request compresses. */
function protoTraceId(i: number): Buffer {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(i, 12);
  id[0] = 0xab;
  return id;
}
const protoEventId = (i: number) =>
  protoTraceId(i).toString('hex') + protoTraceId(i).subarray(8).toString('hex');

/** A span with ids derived from `i`, and `more` fields. */
function protoSpan(i: number, more: Field[] = []): Uint8Array {
  const id = protoTraceId(i);
  return message(
    bytesField(1, id),
    bytesField(2, id.subarray(8)),
    stringField(5, 'chat'),
    fixed64Field(7, START * 1e6),
    fixed64Field(8, (START + 5) * 1e6),
    ...more,
  );
}

/** An ExportTraceServiceRequest: one resource, one scope, these spans (already encoded). */
function protoRequest(spans: readonly Uint8Array[]): Uint8Array {
  const w = Writer.create();
  for (const s of spans) w.uint32((2 << 3) | LD).bytes(s);
  const scopeSpans = w.finish();
  return message(bytesField(1, message(bytesField(2, scopeSpans))));
}

function seeded(seed: number, n: number): Uint8Array {
  let x = seed >>> 0 || 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  });
}

// --- the cases ----------------------------------------------------------------------------------------

describe('fault: hostile OTLP records are refused alone; the records around them are stored', () => {
  it('truncated protobuf (plain, gzip, zlib): refused whole as record:not_otlp, without its bytes', () => {
    const request = otlpRequest(otlpSpans(3), 'otlp_proto');
    const cuts = [request.length - 1, Math.floor(request.length / 2), 7];
    const hostile = [
      ...cuts.map((n) => request.subarray(0, n)),
      gzipSync(request.subarray(0, cuts[1])),
      deflateSync(request.subarray(0, cuts[0])),
    ];
    const { batch, good, hostileSeqs } = around(hostile);
    expect(batch.rows.map((r) => r.event_id)).toEqual(good);
    expectRefusedWhole(batch, hostileSeqs, 'record:not_otlp');
    expect(batch.stats()).toMatchObject({ records: 4 + hostile.length, quarantined: hostile.length });
  });

  it('protobuf with wrong wire types: an undecodable span is refused alone, without its bytes; a value of the wrong wire type refuses its span', () => {
    const good = intAttribute('gen_ai.usage.input_tokens', 10);
    const labels = [
      bytesField(
        9,
        message(stringField(1, 'tokenledger.feature'), bytesField(2, message(stringField(1, 'f')))),
      ),
      bytesField(
        9,
        message(stringField(1, 'tokenledger.cohort'), bytesField(2, message(stringField(1, 'c')))),
      ),
      bytesField(
        9,
        message(stringField(1, 'gen_ai.system'), bytesField(2, message(stringField(1, 'openai')))),
      ),
      bytesField(
        9,
        message(stringField(1, 'gen_ai.request.model'), bytesField(2, message(stringField(1, 'm')))),
      ),
    ];
    // wire type 7 does not exist: no reader can skip it
    const invalidWireType: Field = (w) => void w.uint32((9 << 3) | 7).uint32(1);
    // an int64 value written length-delimited: read as a value of no known kind
    const ldInt = bytesField(
      9,
      message(
        stringField(1, 'gen_ai.usage.input_tokens'),
        bytesField(2, message(bytesField(3, Buffer.from('1200')))),
      ),
    );
    const recordRefused = protoRequest([
      protoSpan(1, [good, ...labels]),
      protoSpan(2, [invalidWireType, ...labels]),
    ]);
    const spanRefused = protoRequest([protoSpan(3, [good, ...labels]), protoSpan(4, [ldInt, ...labels])]);

    const { batch, good: aroundIds, hostileSeqs } = around([recordRefused, spanRefused]);

    const entries = (seq: string | undefined) =>
      batch.quarantined
        .filter((q) => q.sequence_number === seq)
        .map((q) => ({ index: q.index, reason: key(q), raw: q.raw, enc: q.raw_encoding }));
    expect(entries(hostileSeqs[0])).toEqual([{ index: 1, reason: 'span:not_otlp', raw: '', enc: 'none' }]);
    expect(entries(hostileSeqs[1]).map(({ index, reason }) => ({ index, reason }))).toEqual([
      { index: 1, reason: 'input_tokens:wrong_type' },
    ]);
    // the good span of each request is stored: the walk bounds each span's bytes, so one broken span spoils no other
    // (the records around them have random ids, so they are told apart by id, not by prefix)
    const ids = batch.rows.map((r) => r.event_id);
    expect(ids.filter((id) => !aroundIds.includes(id))).toEqual([protoEventId(1), protoEventId(3)]);
  });

  it('random bytes starting 0a (a protobuf request’s first tag): refused as record:not_otlp, without its bytes', () => {
    const hostile = [
      Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0x03]), seeded(1, 200)]),
      Buffer.concat([Buffer.from([0x0a]), seeded(2, 500)]),
      Buffer.concat([Buffer.from([0x0a]), seeded(3, 64)]),
      Buffer.from([0x0a]),
    ];
    const { batch, good, hostileSeqs } = around(hostile);
    expect(batch.rows.map((r) => r.event_id)).toEqual(good);
    expectRefusedWhole(batch, hostileSeqs, 'record:not_otlp');
  });

  it('OTLP JSON where protobuf is expected (and the reverse): each reader refuses the other’s bytes with OtlpError', () => {
    const spans = otlpSpans(1);
    const json = otlpRequest(spans, 'otlp_json');
    const proto = otlpRequest(spans, 'otlp_proto');
    const visited: unknown[] = [];
    expect(() => readProtoRequest(json, (s) => visited.push(s))).toThrow(OtlpError);
    expect(() => readJsonRequest(proto.toString('latin1'), (s) => visited.push(s))).toThrow(OtlpError);
    expect(visited).toEqual([]);

    // Plain JSON behind a newline starts with 0a, so it is read as protobuf: refused whole, and its bytes (which
    // hold the raw end-user id) are not kept. Gzip'd, the text is told from protobuf (it is UTF-8 from a newline to
    // a '{'), and is read as the OTLP JSON request it is; a JSON request in any compression is read as JSON.
    const newlineJson = Buffer.concat([Buffer.from('\n'), json]);
    const { batch, hostileSeqs } = around([newlineJson, gzipSync(newlineJson), frameOtlp(json, 'flate')]);
    expectRefusedWhole(batch, hostileSeqs.slice(0, 1), 'record:not_otlp');
    expect(batch.stats().duplicates).toBeGreaterThanOrEqual(1);
    expect(batch.rows.map((r) => r.event_id)).toContain(spanEventId(spans[0] as ReadableSpan));
  });

  it('a record of 100,000 spans is refused whole as record:too_many, before any span is read', () => {
    const spans = Array.from({ length: 100_000 }, (_, i) =>
      protoSpan(i, [intAttribute('gen_ai.usage.input_tokens', 1)]),
    );
    const proto = gzipSync(protoRequest(spans));
    const span = JSON.stringify({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'chat' });
    const json = gzipSync(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${Array(100_000).fill(span).join(',')}]}]}]}`,
    );
    for (const r of [proto, json]) expect(r.length).toBeLessThan(RECORD_LIMITS.recordBytesMax);

    const batch = newBatch();
    batch.add(streamRecord(proto));
    batch.add(streamRecord(json));

    // (spans: 0 below: not one span was read, so the cost does not grow with the spans; no timing asserted here)
    expect(batch.quarantined.map((q) => ({ reason: key(q), raw: q.raw, enc: q.raw_encoding }))).toEqual([
      { reason: 'record:too_many', raw: '', enc: 'none' },
      { reason: 'record:too_many', raw: '', enc: 'none' },
    ]);
    expect(batch.stats()).toMatchObject({ records: 2, spans: 0, events: 2, accepted: 0, quarantined: 2 });

    const { batch: mixed, good } = around([proto]);
    expect(mixed.rows.map((r) => r.event_id)).toEqual(good);
  });

  it('the span cap is exact: 50,000 spans are read, 50,001 refused', () => {
    const at = Array.from({ length: OTLP_SPANS_PER_RECORD_MAX }, (_, i) => protoSpan(i));
    const batch = newBatch();
    batch.add(streamRecord(gzipSync(protoRequest(at))));
    batch.add(streamRecord(gzipSync(protoRequest([...at, protoSpan(OTLP_SPANS_PER_RECORD_MAX)]))));
    expect(batch.stats()).toMatchObject({
      records: 2,
      spans: OTLP_SPANS_PER_RECORD_MAX,
      skippedSpans: OTLP_SPANS_PER_RECORD_MAX,
      quarantined: 1,
      reasons: { 'record:too_many': 1 },
    });
  });

  it('attributes of the wrong type (string tokens, array feature, bool model): those spans quarantined with the reasons', () => {
    const spans = makeSpans([
      { start: START, attributes: genAiAttributes({ 'enduser.id': newUser() }) },
      { start: START, attributes: genAiAttributes({ 'gen_ai.usage.input_tokens': '1200' }) },
      { start: START, attributes: genAiAttributes({ 'tokenledger.feature': ['search', 'summary'] }) },
      { start: START, attributes: genAiAttributes({ 'gen_ai.response.model': true }) },
      { start: START, attributes: genAiAttributes({ 'gen_ai.usage.output_tokens': 2 ** 60 }) },
      { start: START, attributes: genAiAttributes() },
    ]);
    const hostile = OTLP_ENCODINGS.map((e) => frameOtlp(otlpRequest(spans, e), 'gzip'));
    const { batch, hostileSeqs } = around(hostile);
    for (const seq of hostileSeqs) {
      const entries = batch.quarantined.filter((q) => q.sequence_number === seq);
      expect(entries.map((q) => ({ index: q.index, reason: key(q), enc: q.raw_encoding }))).toEqual([
        { index: 1, reason: 'input_tokens:wrong_type', enc: 'utf8' },
        { index: 2, reason: 'feature:wrong_type', enc: 'utf8' },
        { index: 3, reason: 'model:wrong_type', enc: 'utf8' },
        { index: 4, reason: 'output_tokens:out_of_range', enc: 'utf8' },
      ]);
    }
    // the good spans of the first copy are stored; the second copy's are the same event_ids: duplicates
    const ids = batch.rows.map((r) => r.event_id);
    expect(ids).toContain(spanEventId(spans[0] as ReadableSpan));
    expect(ids).toContain(spanEventId(spans[5] as ReadableSpan));
    expect(batch.stats().duplicates).toBe(2);
  });

  it.each([
    ['zlib', () => deflateSync(Buffer.alloc(RECORD_LIMITS.inflatedBytesMax + MiB, 0x0a), { level: 9 })],
    [
      'raw deflate',
      () => deflateRawSync(Buffer.alloc(RECORD_LIMITS.inflatedBytesMax + MiB, 0x0a), { level: 9 }),
    ],
    ['gzip', () => gzipSync(Buffer.alloc(RECORD_LIMITS.inflatedBytesMax + MiB, 0x0a), { level: 9 })],
  ])('a %s decompression bomb is refused whole, without its bytes', (_, make) => {
    const bomb = make();
    const { batch, good, hostileSeqs } = around([bomb]);
    expect(batch.rows.map((r) => r.event_id)).toEqual(good);
    const [entry] = batch.quarantined;
    expect(batch.quarantined).toHaveLength(1);
    expect(entry?.sequence_number).toBe(hostileSeqs[0]);
    expect({ index: entry?.index, raw: entry?.raw, enc: entry?.raw_encoding }).toEqual({
      index: null,
      raw: '',
      enc: 'none',
    });
    expect(entry?.reasons.map((r) => r.field)).toEqual(['record']);
    expect(entry?.reasons[0]?.message).toMatch(/inflates to more than/);
  });
});

// --- privacy --------------------------------------------------------------------------------------------

/** The forms a raw id could be stored in, besides as it is (as in test/faults/privacy.test.ts). */
function encodedForms(id: string): string[] {
  const bytes = Buffer.from(id, 'utf8');
  const forms = new Set<string>([
    id,
    id.toLowerCase(),
    encodeURIComponent(id),
    bytes.toString('hex'),
    createHash('sha256').update(id).digest('hex'),
  ]);
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const inner = b64.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    forms.add(inner);
    forms.add(inner.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms];
}

/** Kept raw bytes, and what any prefix of them inflates to: what a reader of the quarantine could recover. */
function recoverable(q: QuarantineEntry): string {
  if (q.raw_encoding !== 'base64') return '';
  const bytes = Buffer.from(q.raw, 'base64');
  const out: string[] = [bytes.toString('latin1')];
  const inflaters = [inflateRawSync, inflateSync, gunzipSync];
  for (let end = bytes.length; end > 0 && bytes.length - end < 4096; end--) {
    for (const inflate of inflaters) {
      try {
        out.push(inflate(bytes.subarray(0, end), { finishFlush: zlib.Z_SYNC_FLUSH }).toString('latin1'));
      } catch {
        // not a stream up to here
      }
    }
  }
  return out.join('\n');
}

describe('fault: a raw end-user id is never stored, whatever the record', () => {
  it('no accepted row or quarantine entry holds a raw end-user id in any form', () => {
    const request = otlpRequest(otlpSpans(3), 'otlp_proto');
    const json = otlpRequest(otlpSpans(2), 'otlp_json');
    const wrongTypes = makeSpans(
      ['1200', ['a'], true].map((bad, i) => {
        const user = newUser();
        allUsers.push(user);
        return {
          start: START,
          attributes: genAiAttributes({
            'enduser.id': user,
            [['gen_ai.usage.input_tokens', 'tokenledger.feature', 'gen_ai.response.model'][i] as string]: bad,
          }),
        };
      }),
    );
    const hostile: Uint8Array[] = [
      request.subarray(0, request.length - 3),
      gzipSync(request.subarray(0, 40)),
      frameOtlp(request, 'gzip').subarray(0, 60),
      frameOtlp(request, 'zlib').subarray(0, 60),
      frameOtlp(json, 'gzip', true).subarray(0, 80),
      Buffer.concat([Buffer.from('\n'), json]),
      Buffer.from(json.toString().slice(0, -5)),
      frameOtlp(otlpRequest(wrongTypes, 'otlp_json'), 'zlib'),
      frameOtlp(otlpRequest(wrongTypes, 'otlp_proto'), 'flate', true),
    ];
    for (const c of OTLP_COMPRESSIONS) hostile.push(frameOtlp(json, c));

    const { batch } = around(hostile);

    const everything = JSON.stringify({ accepted: batch.rows, quarantined: batch.quarantined });
    const stored = [everything, ...batch.quarantined.map(recoverable)].join('\n');
    expect(allUsers.length).toBeGreaterThan(10);
    const leaks = allUsers.flatMap((u) =>
      encodedForms(u)
        .filter((f) => stored.includes(f))
        .map((f) => `${u} as ${f}`),
    );
    expect(leaks).toEqual([]);
    // the ids were there to leak: their hashes are stored
    expect(batch.quarantined.length).toBeGreaterThan(5);
    expect(batch.rows.filter((r) => r.user_hash !== null).length).toBeGreaterThan(5);
  });

  it('a raw-deflate OTLP record corrupted past inflating: nothing kept of it gives the user id back', () => {
    const user = newUser();
    const spans = makeSpans([{ start: START, attributes: genAiAttributes({ 'enduser.id': user }) }]);
    const valid = frameOtlp(otlpRequest(spans, 'otlp_proto'), 'flate');
    // the last byte whose corruption makes the stream undecodable (deflate has no checksum: most flips go unseen)
    let record: Buffer | undefined;
    for (let at = valid.length - 1; at > 0 && !record; at--) {
      const b = Buffer.from(valid);
      b[at] = (b[at] as number) ^ 0x55;
      try {
        inflateRawSync(b, { finishFlush: zlib.Z_SYNC_FLUSH });
      } catch {
        record = b;
      }
    }
    if (!record) throw new Error('no corruption breaks the stream');
    expect(inflateRawSync(valid).toString('latin1')).toContain(user);
    const batch = newBatch();
    batch.add(streamRecord(record));
    const stored = [JSON.stringify(batch.quarantined), ...batch.quarantined.map(recoverable)].join('\n');
    expect(batch.quarantined).toHaveLength(1);
    expect(stored).not.toContain(user);
  });
});

// --- properties -----------------------------------------------------------------------------------------

/** readRecord's answer: what it read, or the code of the FramingError it threw (anything else fails the test). */
function readOrCode(data: Uint8Array): string {
  try {
    const out = readRecord(data);
    return out.kind;
  } catch (err) {
    if (!(err instanceof FramingError))
      throw new Error(`readRecord threw ${(err as Error)?.name}: ${String(err)}`);
    return err.code;
  }
}

function addNeverThrows(data: Uint8Array): void {
  const batch = newBatch();
  try {
    batch.add(streamRecord(data));
  } catch (err) {
    throw new Error(`EventBatch.add threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
  const s = batch.stats();
  expect(s.records).toBe(1);
  // every event read is accepted, a duplicate or quarantined; an unreadable record is one quarantined "event"
  expect(s.accepted + s.duplicates + s.quarantined).toBe(s.events);
  for (const q of batch.quarantined)
    if (q.index === null && q.raw_encoding === 'base64') expect(readOrCode(data)).not.toBe('otlp');
}

const PREFIXES: readonly number[][] = [
  [],
  [0x0a],
  [0x0a, 0x80],
  [0x1f, 0x8b],
  [0x1f, 0x8b, 0x08, 0x00],
  [0x78, 0x9c],
  [0x78, 0x01],
  [0x78, 0xda],
  [...Buffer.from('{"resourceSpans":')],
  [...Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{')],
  [0x7b],
];

/** Valid records of every encoding and compression, to mutate. */
const VALID = (() => {
  const spans = makeSpans([
    { start: START, attributes: genAiAttributes({ 'enduser.id': 'prop-user@example.com' }) },
    { start: START + 1, attributes: { 'http.method': 'GET' } },
    { start: START + 2, attributes: genAiAttributes({ 'gen_ai.usage.input_tokens': '12' }) },
  ]);
  const out: Buffer[] = [];
  for (const e of OTLP_ENCODINGS) {
    const request = otlpRequest(spans, e);
    for (const c of OTLP_COMPRESSIONS) {
      out.push(frameOtlp(request, c));
      if (c !== 'none') out.push(frameOtlp(request, c, true));
    }
  }
  out.push(encodeBatch([line(wireEvent()), line(wireEvent())])[0]?.data as Buffer);
  return out;
})();

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.constantFrom(0x00, 0x0a, 0x7b, 0xff, 0x08, 0x80),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(data: Buffer, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(data);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip':
        b[at] = (b[at] as number) ^ m.mask;
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'cut':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
    }
  }
  return b;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every value position of a JSON tree, as [holder, key]. */
function positions(v: Json, out: [Json[] | { [k: string]: Json }, string | number][] = []) {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([v, i]);
      positions(x, out);
    });
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push([v, k]);
      positions(x, out);
    }
  }
  return out;
}

describe('fault: readRecord throws nothing but FramingError, EventBatch.add nothing at all, whatever the bytes', () => {
  it('arbitrary bytes behind every framing’s first bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PREFIXES), fc.uint8Array({ maxLength: 400 }), (prefix, tail) => {
        const data = new Uint8Array([...prefix, ...tail]);
        readOrCode(data);
        addNeverThrows(data);
      }),
      { numRuns: 1500 },
    );
  });

  it('valid OTLP and client records with bytes flipped, set, cut, inserted and deleted', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (record, ms) => {
          const data = mutate(record, ms);
          readOrCode(data);
          addNeverThrows(data);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('valid OTLP JSON with any value replaced by any JSON value', () => {
    const json = JSON.parse(otlpJsonText()) as Json;
    const count = positions(json).length;
    const hostileValue = fc.oneof(
      fc.jsonValue() as fc.Arbitrary<Json>,
      fc.constantFrom<Json>(
        1e22,
        -1,
        1.5,
        2 ** 64,
        '',
        'NaN',
        '-0',
        { toString: 1 },
        { valueOf: 1, toString: 1 },
        [],
        {},
      ),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(count - 1), hostileValue), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const tree = structuredClone(json);
          for (const [at, value] of edits) {
            const all = positions(tree);
            const pos = all[at % all.length];
            // A copy: the same object placed twice, then edited inside, would make the tree cyclic.
            if (pos) (pos[0] as Record<string | number, Json>)[pos[1]] = structuredClone(value);
          }
          addNeverThrows(Buffer.from(JSON.stringify(tree)));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

function otlpJsonText(): string {
  const spans = makeSpans([
    {
      start: START,
      attributes: genAiAttributes({ 'enduser.id': 'prop-user@example.com', 'tokenledger.customer_id': 7 }),
    },
    { start: START + 1, attributes: { 'http.method': 'GET' } },
  ]);
  return otlpRequest(spans, 'otlp_json').toString();
}

describe('regressions found by this suite (minimal repros)', () => {
  const ok = { key: 'gen_ai.usage.input_tokens', value: { intValue: 5 } };
  const request = (span: Record<string, unknown>) =>
    Buffer.from(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              { spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: [ok], ...span }] },
            ],
          },
        ],
      }),
    );

  it('a JSON span whose start time is a number past Date’s range does not make EventBatch.add throw', () => {
    expect(() => addNeverThrows(request({ startTimeUnixNano: 1e22, endTimeUnixNano: 1e22 }))).not.toThrow();
  });

  it('a JSON attribute value {"stringValue":{"toString":1}} does not make EventBatch.add throw', () => {
    expect(() =>
      addNeverThrows(
        request({
          attributes: [ok, { key: 'tokenledger.feature', value: { stringValue: { toString: 1 } } }],
        }),
      ),
    ).not.toThrow();
  });
});

describe('fault: an OTLP JSON request inside a client batch', () => {
  it('is refused as an event, and not kept: it may hold raw end-user ids', () => {
    const json = otlpRequest(
      makeSpans([{ start: START, attributes: { 'enduser.id': 'dave@example.com' } }]),
      'otlp_json',
    );
    const good = line(wireEvent());
    const [record] = encodeBatch([good, json.toString('utf8'), good.replace('"v":1', '"v":1 ')]);
    const batch = newBatch();

    batch.add(streamRecord(record?.data as Buffer));

    expect(batch.quarantined).toHaveLength(1);
    expect(batch.quarantined[0]).toMatchObject({ index: 1, raw: '', raw_encoding: 'none' });
    expect(JSON.stringify(batch.quarantined)).not.toContain('dave@example.com');
    expect(batch.stats()).toMatchObject({ accepted: 1, duplicates: 1, quarantined: 1 });
  });
});

describe('fault: what may hold raw end-user ids is never kept, however it is broken', () => {
  const secret = 'erin@example.com';
  const request = () =>
    otlpRequest(
      makeSpans([{ start: START, attributes: { 'enduser.id': secret, 'gen_ai.usage.input_tokens': 5 } }]),
      'otlp_json',
    );

  it('gzip OTLP JSON with a byte that is not UTF-8, another signal, keys in another order, unknown bytes', () => {
    const badUtf8 = Buffer.from(request());
    badUtf8[badUtf8.indexOf('"name"') + 2] = 0xff;
    const tree = JSON.parse(request().toString('utf8')) as Record<string, unknown>;
    const reordered = Buffer.from(JSON.stringify({ schemaUrl: '', ...tree }));
    const logs = Buffer.from(JSON.stringify({ resourceLogs: tree.resourceSpans }));
    const reorderedBadUtf8 = Buffer.from(reordered);
    reorderedBadUtf8[reorderedBadUtf8.indexOf('"name"') + 2] = 0xff;
    const hostile = [
      gzipSync(badUtf8),
      reorderedBadUtf8,
      reordered,
      gzipSync(reordered),
      logs,
      deflateRawSync(request()).subarray(0, 40),
    ];

    const { batch, good, hostileSeqs } = around(hostile);

    expect(batch.rows.map((r) => r.event_id)).toEqual(good);
    const entries = batch.quarantined.filter((q) => hostileSeqs.includes(q.sequence_number));
    expect(entries.length).toBeGreaterThanOrEqual(hostile.length);
    for (const q of entries) expect({ raw: q.raw, enc: q.raw_encoding }).toEqual({ raw: '', enc: 'none' });
    expect(JSON.stringify(batch.quarantined)).not.toContain(secret);
  });

  it('an attribute without a key is passed over, and its span is read', () => {
    const tree = JSON.parse(
      otlpRequest(
        makeSpans([{ start: START, attributes: genAiAttributes({ 'enduser.id': secret }) }]),
        'otlp_json',
      ).toString('utf8'),
    ) as { resourceSpans: { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[] };
    tree.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes.push({ value: { stringValue: 'no key' } });
    const batch = newBatch();

    batch.add(streamRecord(Buffer.from(JSON.stringify(tree))));

    expect(batch.stats()).toMatchObject({ accepted: 1, quarantined: 0 });
  });
});
