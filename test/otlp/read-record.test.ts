import { randomBytes } from 'node:crypto';
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { RECORD_LIMITS } from '@tokenledger/client/contract';
import { describe, expect, it } from 'vitest';
import { type RecordPayload, readRecord } from '../../src/core/framing/read-record.ts';
import { encodeBatch, encodeSingle, FramingError } from '../../src/core/framing/record-framing.ts';
import { line, wireEvent } from '../helpers/factories.ts';
import {
  frameOtlp,
  genAiAttributes,
  makeSpans,
  OTLP_COMPRESSIONS,
  OTLP_ENCODINGS,
  type OtlpCompression,
  type OtlpEncoding,
  otlpRequest,
} from '../helpers/otel-spans.ts';

// Issue 15 item 5: readRecord tells every framing a record of the stream may have apart by its bytes — the client's
// (one JSON event, gzip NDJSON) and the Collector awskinesis exporter's (OTLP protobuf or JSON, plain, gzip, zlib
// or raw deflate, finished or footerless) — and enforces the client's size caps on all of them.

const MiB = 1024 * 1024;
const START = Date.parse('2026-11-02T10:00:00.000Z');

const spans = makeSpans(
  [
    { start: START, attributes: genAiAttributes({ 'enduser.id': 'alice@example.com' }) },
    { start: START + 1000, attributes: { 'http.method': 'GET' } },
  ],
  { 'tokenledger.customer_id': 'cus_1' },
);

/** Calls readRecord; anything it throws must be a FramingError, which is returned. */
function readOrError(data: Uint8Array): RecordPayload | FramingError {
  try {
    return readRecord(data);
  } catch (err) {
    expect(err).toBeInstanceOf(FramingError);
    return err as FramingError;
  }
}

function refusal(data: Uint8Array): { code: FramingError['code']; keepRaw: boolean } {
  const out = readOrError(data);
  if (!(out instanceof FramingError)) throw new Error(`expected a FramingError, got a ${out.kind} payload`);
  return { code: out.code, keepRaw: out.keepRaw };
}

/** Inflates a record fully and strictly (with its trailer), as a finished stream must allow. */
const strictInflate: Record<Exclude<OtlpCompression, 'none'>, (b: Buffer) => Buffer> = {
  gzip: (b) => gunzipSync(b),
  zlib: (b) => inflateSync(b),
  flate: (b) => inflateRawSync(b),
};

describe('readRecord: every OTLP encoding × compression the awskinesis exporter writes', () => {
  const cases: { encoding: OtlpEncoding; compression: OtlpCompression; footerless: boolean }[] = [];
  for (const encoding of OTLP_ENCODINGS) {
    for (const compression of OTLP_COMPRESSIONS) {
      cases.push({ encoding, compression, footerless: false });
      if (compression !== 'none') cases.push({ encoding, compression, footerless: true });
    }
  }

  it.each(cases)(
    '$encoding, $compression, footerless: $footerless → OTLP with the request’s bytes',
    ({ encoding, compression, footerless }) => {
      const request = otlpRequest(spans, encoding);
      const record = frameOtlp(request, compression, footerless);
      if (compression !== 'none') {
        // the framing is what it says: compressed, and footerless only when asked (a strict inflate then fails)
        expect(record.equals(request)).toBe(false);
        const strict = strictInflate[compression];
        if (footerless) expect(() => strict(record)).toThrow();
        else expect(strict(record).equals(request)).toBe(true);
      }

      const out = readRecord(record);

      expect(out.kind).toBe('otlp');
      if (out.kind !== 'otlp') return;
      expect({ encoding: out.encoding, compression: out.compression }).toEqual({
        encoding: encoding === 'otlp_proto' ? 'proto' : 'json',
        compression,
      });
      expect(Buffer.from(out.bytes).equals(request)).toBe(true);
    },
  );

  it.each(OTLP_COMPRESSIONS)('reads a %s record that is a view into the middle of a larger buffer', (c) => {
    const request = otlpRequest(spans, 'otlp_proto');
    const record = frameOtlp(request, c);
    const big = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x78, 0x9c]), record, Buffer.from([0x0a, 0x7b])]);
    const out = readRecord(big.subarray(4, 4 + record.length));
    expect(out.kind === 'otlp' && Buffer.from(out.bytes).equals(request)).toBe(true);
  });

  it('a plain OTLP JSON request is told from a client event only by its first key', () => {
    const json = otlpRequest(spans, 'otlp_json');
    expect(json.subarray(0, 17).toString()).toBe('{"resourceSpans":');
    expect(readRecord(json)).toMatchObject({ kind: 'otlp', encoding: 'json', compression: 'none' });
    // whitespace after the brace is allowed; the key anywhere else is a client event that happens to hold it
    const spaced = Buffer.concat([Buffer.from('{ \n\t'), json.subarray(1)]);
    expect(readRecord(spaced)).toMatchObject({ kind: 'otlp', encoding: 'json' });
    const event = line(wireEvent({ tags: { resourceSpans: '[]' } }));
    expect(readRecord(Buffer.from(event))).toEqual({ kind: 'events', lines: [{ index: 0, text: event }] });
  });
});

describe('readRecord: the client’s framings still read as events', () => {
  it('a single-event record ({) is that one event', () => {
    const text = line(wireEvent());
    expect(readRecord(encodeSingle(text))).toEqual({ kind: 'events', lines: [{ index: 0, text }] });
  });

  it('a gzip NDJSON batch is its events, in order', () => {
    const lines = Array.from({ length: 30 }, (_, i) => line(wireEvent({ tags: { i: String(i) } })));
    const [record] = encodeBatch(lines);
    const out = readRecord(record?.data as Buffer);
    expect(out).toEqual({ kind: 'events', lines: lines.map((text, index) => ({ index, text })) });
  });

  it('a gzip NDJSON batch that starts with a blank line is still the client’s events (regression: read as OTLP protobuf, as its first inflated byte is 0a)', () => {
    const text = line(wireEvent());
    const out = readRecord(gzipSync(`\n${text}\n`));
    expect(out).toEqual({ kind: 'events', lines: [{ index: 1, text }] });
  });
});

describe('readRecord: the size caps (1 MiB compressed, 64 MiB inflated)', () => {
  const over = RECORD_LIMITS.inflatedBytesMax + MiB;
  // What a bomb inflates to starts like an OTLP request (0a), so only the cap can refuse it.
  const bombBody = Buffer.alloc(over, 0x0a);

  it.each([
    ['zlib', () => deflateSync(bombBody, { level: 9 })],
    ['raw deflate', () => deflateRawSync(bombBody, { level: 9 })],
    ['gzip', () => gzipSync(bombBody, { level: 9 })],
  ])('a %s bomb that inflates past 64 MiB is too_large, its bytes not kept', (_, make) => {
    const bomb = make();
    expect(bomb.length).toBeLessThan(RECORD_LIMITS.recordBytesMax);
    const started = performance.now();
    expect(refusal(bomb)).toEqual({ code: 'too_large', keepRaw: false });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a footerless zlib bomb is too_large too (the lenient retry keeps the cap)', () => {
    const bomb = frameOtlp(bombBody, 'zlib', true);
    expect(bomb.length).toBeLessThan(RECORD_LIMITS.recordBytesMax);
    expect(refusal(bomb).code).toBe('too_large');
  });

  it('a zlib record inflating to exactly 64 MiB is read; the cap is not off by much', () => {
    const atCap = deflateSync(Buffer.alloc(RECORD_LIMITS.inflatedBytesMax, 0x0a), { level: 9 });
    const out = readOrError(atCap);
    expect(out).toMatchObject({ kind: 'otlp', encoding: 'proto', compression: 'zlib' });
  });

  it.each([
    ['zlib', (b: Buffer) => deflateSync(b, { level: 0 }), false],
    ['raw deflate', (b: Buffer) => deflateRawSync(b, { level: 0 }), false],
    ['gzip', (b: Buffer) => gzipSync(b, { level: 0 }), true],
  ] as const)(
    'a %s record over 1 MiB compressed is too_large before it is inflated',
    (_, compress, keepRaw) => {
      // stored blocks: a valid OTLP-looking stream of just over 1 MiB
      const data = compress(Buffer.concat([Buffer.from([0x0a]), randomBytes(RECORD_LIMITS.recordBytesMax)]));
      expect(data.length).toBeGreaterThan(RECORD_LIMITS.recordBytesMax);
      expect(refusal(data)).toEqual({ code: 'too_large', keepRaw });
      // one byte under the cap is read
      const under = compress(
        Buffer.concat([Buffer.from([0x0a]), randomBytes(RECORD_LIMITS.recordBytesMax - 4096)]),
      );
      expect(under.length).toBeLessThanOrEqual(RECORD_LIMITS.recordBytesMax);
      expect(readOrError(under)).toMatchObject({ kind: 'otlp', encoding: 'proto' });
    },
  );
});

describe('readRecord: what it cannot read', () => {
  it.each([
    ['78 9c', [0x78, 0x9c]],
    ['78 01', [0x78, 0x01]],
    ['78 da', [0x78, 0xda]],
    ['58 85', [0x58, 0x85]],
  ])('garbage behind a zlib header (%s) is bad_compression and its bytes are not kept', (_, header) => {
    const data = Buffer.from([...header, 0xff, 0xfe, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]);
    expect(refusal(data)).toEqual({ code: 'bad_compression', keepRaw: false });
  });

  it('a record of no known framing is unknown_framing, its bytes not kept (raw deflate has no header: it may be a Collector request)', () => {
    expect(refusal(Buffer.from('[1,2,3]'))).toEqual({ code: 'unknown_framing', keepRaw: false });
    expect(refusal(Buffer.from([0x00, 0x01, 0x02, 0x03]))).toEqual({
      code: 'unknown_framing',
      keepRaw: false,
    });
  });

  it('an empty record is empty', () => {
    expect(refusal(Buffer.alloc(0)).code).toBe('empty');
  });

  it('a truncated client gzip batch is bad_gzip with its bytes kept; a truncated OTLP gzip request is not client data', () => {
    const client = encodeBatch(Array.from({ length: 40 }, () => line(wireEvent())))[0]?.data as Buffer;
    const cut = client.subarray(0, Math.floor(client.length / 2));
    expect(refusal(cut)).toEqual({ code: 'bad_gzip', keepRaw: true });

    // half an OTLP gzip record: what inflates is OTLP, which the span reader (not the framing) then refuses
    const otlp = frameOtlp(otlpRequest(spans, 'otlp_proto'), 'gzip');
    const half = readOrError(otlp.subarray(0, Math.floor(otlp.length / 2)));
    if (half instanceof FramingError) expect(half.keepRaw).toBe(false);
    else expect(half).toMatchObject({ kind: 'otlp', encoding: 'proto', compression: 'gzip' });
  });

  it('a gzip record with a corrupted checksum that holds OTLP is refused without its bytes', () => {
    const record = Buffer.from(frameOtlp(otlpRequest(spans, 'otlp_json'), 'gzip'));
    const crc = record.length - 8;
    record[crc] = (record[crc] as number) ^ 0xff;
    expect(refusal(record)).toEqual({ code: 'bad_gzip', keepRaw: false });
  });
});
