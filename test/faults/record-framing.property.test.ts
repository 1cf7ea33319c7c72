import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECORD_LIMITS } from '../../packages/client/src/contract/limits.ts';
import { LABEL_PATTERN, validateEvent } from '../../packages/client/src/contract/validate.ts';
import {
  decodeRecord,
  encodeBatch,
  encodeSingle,
  type FramedLine,
  FramingError,
  serialiseEvent,
} from '../../src/core/framing/record-framing.ts';
import { wireEvent } from '../helpers/factories.ts';

// Issue 6, record framing (docs/contracts.md §3), by property. test/core/record-framing.test.ts has the examples and
// test/core/validate.property.test.ts round-trips arbitrary text lines and feeds arbitrary short bytes; here:
// valid event batches (and single-event records) through encode → decode → JSON, and inputs a consumer can be
// handed on purpose — bytes behind the gzip magic or `{`, truncated and corrupted gzip, bombs over the inflate
// cap, random JSON — none of which may make decodeRecord throw anything but a FramingError.

const RECEIVED = Date.parse('2026-11-02T12:00:00Z');
const MiB = 1024 * 1024;

/** Text with the characters JSON and NDJSON framing must survive: any code point, lone surrogates, newlines. */
const nasty = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u2029', '"', '\\', '\u0000') },
      { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udfff', '\ud83d', '\u{1F600}') },
    ),
    maxLength,
  });

/** A non-negative finite double that survives JSON exactly (no -0, no NaN, no Infinity). */
const duration = fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((d) => d + 0);
const count = (max: number) => fc.integer({ min: 0, max });

/** A wire event (docs/contracts.md §2) that the contract accepts, with the optional fields present or not. */
const validEvent = fc
  .record(
    {
      event_id: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
      ts: fc
        .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date(RECEIVED), noInvalidDate: true })
        .map((d) => d.toISOString()),
      feature: fc.stringMatching(LABEL_PATTERN),
      cohort: fc.stringMatching(LABEL_PATTERN),
      customer_id: nasty(40),
      user_hash: fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      provider: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }),
      model: nasty(40).filter((s) => s.length >= 1),
      operation: fc.constantFrom('chat', 'embeddings', 'text_completion'),
      service_tier: fc.constantFrom('standard', 'batch', 'flex', 'priority'),
      prompt: fc.record({ prompt_id: nasty(20), prompt_version: nasty(10) }),
      cache_read_tokens: count(1_000_000),
      cache_write_tokens: count(1_000_000),
      uncached_input: count(1_000_000),
      output_tokens: count(1_000_000),
      reasoning_share: fc.double({ min: 0, max: 1, noNaN: true }),
      delivered_share: fc.double({ min: 0, max: 1, noNaN: true }),
      status: fc.constantFrom('ok', 'error', 'cancelled'),
      latency_ms: duration,
      ttft_ms: duration,
      tags: fc.dictionary(nasty(64), nasty(60), { maxKeys: 16, noNullPrototype: true }),
    },
    {
      requiredKeys: [
        'event_id',
        'ts',
        'feature',
        'cohort',
        'provider',
        'model',
        'cache_read_tokens',
        'cache_write_tokens',
        'uncached_input',
        'output_tokens',
        'status',
      ],
    },
  )
  .map((g) => {
    const e: Record<string, unknown> = {
      v: 1,
      event_id: g.event_id,
      ts: g.ts,
      feature: g.feature,
      cohort: g.cohort,
      provider: g.provider,
      model: g.model,
      input_tokens: g.cache_read_tokens + g.cache_write_tokens + g.uncached_input,
      cache_read_tokens: g.cache_read_tokens,
      cache_write_tokens: g.cache_write_tokens,
      output_tokens: g.output_tokens,
      status: g.status,
    };
    for (const k of [
      'customer_id',
      'user_hash',
      'operation',
      'service_tier',
      'latency_ms',
      'ttft_ms',
      'tags',
    ] as const) {
      if (g[k] !== undefined) e[k] = g[k];
    }
    if (g.prompt) Object.assign(e, g.prompt);
    if (g.reasoning_share !== undefined) e.reasoning_tokens = Math.floor(g.output_tokens * g.reasoning_share);
    if (g.delivered_share !== undefined)
      e.delivered_output_tokens = Math.floor(g.output_tokens * g.delivered_share);
    return e;
  });

const texts = (lines: readonly FramedLine[]) => lines.map((l) => l.text);

/** Calls decodeRecord; anything it throws must be a FramingError, whose code is returned. */
function decodeOrCode(data: Uint8Array): FramedLine[] | FramingError['code'] {
  try {
    return decodeRecord(data);
  } catch (err) {
    expect(err).toBeInstanceOf(FramingError);
    return (err as FramingError).code;
  }
}

/** The same bytes as a view into the middle of a larger buffer, as Kinesis SDK buffers often are. */
function inTheMiddle(data: Uint8Array, before: number): Uint8Array {
  const big = new Uint8Array(before + data.length + 7).fill(0xaa);
  big.set(data, before);
  return big.subarray(before, before + data.length);
}

describe('fault: record framing round-trips valid event batches', () => {
  it('the generated events are valid under the contract (so the round trip below is about valid batches)', () => {
    fc.assert(
      fc.property(validEvent, (e) => {
        const check = validateEvent(e, RECEIVED);
        expect(check.ok ? [] : check.rejections).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('decode(encode(batch)) gives back every event, equal as JSON, in order, each record under its byte limit', () => {
    let split = 0;
    fc.assert(
      fc.property(
        fc.array(validEvent, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1024, max: 64 * 1024 }),
        fc.nat(16),
        (events, limit, offset) => {
          const lines = events.map((e) => serialiseEvent(e));
          expect(lines.every((l) => l !== null)).toBe(true);
          // a limit every single event fits under (one that does not is refused as too_large, by design)
          const largest = Math.max(
            ...lines.map(
              (l) => encodeBatch([l as string], RECORD_LIMITS.recordBytesMax)[0]?.data.length ?? 0,
            ),
          );
          const maxRecordBytes = Math.max(limit, largest);
          const records = encodeBatch(lines as string[], maxRecordBytes);
          if (records.length > 1) split++;
          expect(records.reduce((n, r) => n + r.events, 0)).toBe(events.length);
          const decoded: unknown[] = [];
          for (const r of records) {
            expect(r.data.length).toBeLessThanOrEqual(maxRecordBytes);
            expect([r.data[0], r.data[1]]).toEqual([0x1f, 0x8b]);
            const framed = decodeRecord(inTheMiddle(r.data, offset));
            // positions are 0..n-1 within the record: an NDJSON line never holds a raw newline
            expect(framed.map((l) => l.index)).toEqual(framed.map((_, i) => i));
            expect(framed).toHaveLength(r.events);
            decoded.push(...texts(framed).map((t) => JSON.parse(t)));
          }
          expect(decoded).toEqual(events);
        },
      ),
      { numRuns: 150 },
    );
    expect(split).toBeGreaterThan(10); // batches were split into several records, not only kept whole
  });

  it('a single-event record ({ first) decodes to exactly that event', () => {
    fc.assert(
      fc.property(validEvent, fc.nat(16), (event, offset) => {
        const line = serialiseEvent(event) as string;
        const data = encodeSingle(line);
        expect(data[0]).toBe(0x7b);
        const framed = decodeRecord(inTheMiddle(data, offset));
        expect(framed).toEqual([{ index: 0, text: line }]);
        expect(JSON.parse(framed[0]?.text as string)).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });

  it('a one-event batch decodes like the same event sent alone', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const line = serialiseEvent(event) as string;
        const [record, ...rest] = encodeBatch([line]);
        expect(rest).toEqual([]);
        expect(record?.events).toBe(1);
        expect(decodeRecord(record?.data as Buffer)).toEqual(decodeRecord(encodeSingle(line)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('fault: decodeRecord throws nothing but FramingError, whatever it is handed', () => {
  const goodRecord = fc
    .array(validEvent, { minLength: 1, maxLength: 5 })
    .map((events) => encodeBatch(events.map((e) => serialiseEvent(e) as string))[0]?.data as Buffer);

  it('arbitrary bytes behind the gzip magic or a {', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([0x1f, 0x8b], [0x1f, 0x8b, 0x08], [0x1f, 0x8b, 0x08, 0x00], [0x7b], [0x1f]),
        fc.uint8Array({ maxLength: 600 }),
        (prefix, tail) => {
          const out = decodeOrCode(new Uint8Array([...prefix, ...tail]));
          if (typeof out === 'string') expect(['bad_gzip', 'bad_utf8', 'unknown_framing']).toContain(out);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a truncated gzip record is refused as bad_gzip (or unknown_framing when one byte is left), never half-read', () => {
    fc.assert(
      fc.property(goodRecord, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (data, cut) => {
        const length = Math.floor(data.length * cut);
        const out = decodeOrCode(data.subarray(0, length));
        expect(out).toBe(length === 0 ? 'empty' : length === 1 ? 'unknown_framing' : 'bad_gzip');
      }),
      { numRuns: 300 },
    );
  });

  it('a gzip record with corrupted bytes either decodes or is refused with a FramingError', () => {
    fc.assert(
      fc.property(
        goodRecord,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (data, flips) => {
          const bytes = Uint8Array.from(data);
          for (const [at, mask] of flips) {
            const i = 2 + (at % (bytes.length - 2)); // keep the magic: the point is the gzip decoder
            bytes[i] = (bytes[i] as number) ^ mask;
          }
          const out = decodeOrCode(bytes);
          if (typeof out === 'string') expect(['bad_gzip', 'bad_utf8', 'too_large']).toContain(out);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random JSON: as a record it is one line when it starts with {, else unknown_framing; gzipped it splits into its lines', () => {
    fc.assert(
      fc.property(fc.json(), fc.array(fc.json(), { maxLength: 5 }), (json, more) => {
        const out = decodeOrCode(Buffer.from(json, 'utf8'));
        if (json.startsWith('{')) expect(out).toEqual([{ index: 0, text: json }]);
        else expect(out).toBe(json === '' ? 'empty' : 'unknown_framing');
        // fc.json() never holds a raw newline, so every value is one NDJSON line
        const all = [json, ...more];
        const lines = decodeOrCode(gzipSync(`${all.join('\n')}\n`));
        expect(lines).toEqual(
          all.map((text, index) => ({ index, text })).filter((l) => l.text.trim() !== ''),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('text that is not UTF-8 is bad_utf8, framed either way', () => {
    const invalid = fc.constantFrom(
      [0xff],
      [0xc0, 0xaf], // overlong '/'
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded as UTF-8
      [0xe2, 0x82], // truncated sequence
      [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), invalid, (text, bad) => {
        const bytes = Buffer.concat([Buffer.from(`{"a":"${text}`, 'utf8'), Buffer.from(bad)]);
        expect(decodeOrCode(bytes)).toBe('bad_utf8');
        expect(decodeOrCode(gzipSync(bytes))).toBe('bad_utf8');
      }),
      { numRuns: 200 },
    );
  });

  it('a gzip bomb over the inflate cap (many small members) is refused as too_large, whatever it inflates to', () => {
    // 1 MiB of one byte compresses to ~1 KB; concatenated members inflate one after another (RFC 1952).
    const members = {
      spaces: gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 }),
      zeros: gzipSync(Buffer.alloc(MiB, 0), { level: 9 }),
      events: gzipSync(`${serialiseEvent(wireEvent({ tags: { team: 'search' } }))}\n`.repeat(5000), {
        level: 9,
      }),
    };
    const eventsMiB = gunzippedSize(members.events) / MiB;
    fc.assert(
      fc.property(
        fc.constantFrom('spaces', 'zeros', 'events') as fc.Arbitrary<keyof typeof members>,
        fc.integer({ min: 1, max: 64 }),
        (kind, extraMiB) => {
          const member = members[kind];
          const perMember = kind === 'events' ? eventsMiB : 1;
          const n = Math.ceil((RECORD_LIMITS.inflatedBytesMax / MiB + extraMiB) / perMember);
          const bomb = Buffer.concat(Array.from({ length: n }, () => member));
          expect(bomb.length).toBeLessThan(RECORD_LIMITS.recordBytesMax);
          expect(decodeOrCode(bomb)).toBe('too_large');
        },
      ),
      { numRuns: 12 },
    );
  });

  it('the inflate cap is exact: a record inflating to the cap decodes, one byte more is too_large', () => {
    const member = gzipSync(Buffer.alloc(MiB, 0x20), { level: 9 });
    const atCap = Buffer.concat(Array.from({ length: RECORD_LIMITS.inflatedBytesMax / MiB }, () => member));
    expect(decodeOrCode(atCap)).toEqual([]); // all blank: no lines
    expect(decodeOrCode(Buffer.concat([atCap, gzipSync(' ')]))).toBe('too_large');
  });

  it('a gzip record over 1 MiB compressed is refused before it is inflated', () => {
    const big = Buffer.concat([gzipSync('{}\n'), Buffer.alloc(RECORD_LIMITS.recordBytesMax, 0x41)]);
    expect(decodeOrCode(big)).toBe('too_large');
  });
});

function gunzippedSize(gz: Buffer): number {
  // the ISIZE trailer of a single member: its uncompressed length mod 2^32
  return gz.readUInt32LE(gz.length - 4);
}
