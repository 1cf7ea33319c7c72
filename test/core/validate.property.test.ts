import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isLabel,
  knownLabel,
  LABEL_PATTERN,
  validateEvent,
} from '../../packages/client/src/contract/validate.ts';
import { decodeRecord, encodeBatch, FramingError } from '../../src/core/framing/record-framing.ts';
import { wireEventSchema } from '../helpers/reference-schema.ts';

const RECEIVED = Date.parse('2026-11-02T12:00:00Z');

// A valid event, then up to two fields replaced by values that may break a rule (or removed).
const token = fc.integer({ min: 0, max: 5000 });
const validEvent = fc.record(
  {
    v: fc.constant(1),
    event_id: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
    ts: fc
      .date({
        min: new Date('2024-01-01T00:00:00Z'),
        max: new Date('2026-11-03T12:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
    feature: fc.constantFrom('draft-email', ' Draft-Email ', 'a', 'x'.repeat(64), 'ok.v2:a/b'),
    cohort: fc.constantFrom('pro', 'FREE', ' enterprise'),
    customer_id: fc.string({ maxLength: 10 }),
    user_hash: fc.string({ maxLength: 22 }),
    provider: fc.constantFrom('openai', 'anthropic', 'aws.bedrock'),
    model: fc.constantFrom('gpt-4o', 'claude-sonnet-4'),
    operation: fc.constantFrom('chat', 'embeddings'),
    service_tier: fc.constantFrom('standard', 'batch', 'flex', 'priority'),
    input_tokens: fc.integer({ min: 10_000, max: 20_000 }),
    cache_read_tokens: token,
    cache_write_tokens: token,
    output_tokens: fc.integer({ min: 5000, max: 6000 }),
    reasoning_tokens: token,
    status: fc.constantFrom('ok', 'error', 'cancelled'),
    latency_ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
    tags: fc.dictionary(fc.string({ maxLength: 64 }), fc.string({ maxLength: 8 }), { maxKeys: 16 }),
    cache_write_1h_tokens: fc.integer({ min: 0, max: 3000 }),
    tool_calls: fc.dictionary(fc.constantFrom('web_search', 'code_execution', 'file.search'), fc.nat(20), {
      maxKeys: 3,
    }),
    trace_id: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
  },
  {
    requiredKeys: [
      'v',
      'event_id',
      'ts',
      'feature',
      'cohort',
      'provider',
      'model',
      'input_tokens',
      'output_tokens',
      'status',
    ],
  },
);
const suspect = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1.5, 1_000_000_000, 1_000_000_001, 6000, 30_000, '7', true, [], {}),
  fc.constantFrom('short', 'has space!', 'x'.repeat(65), 'Bad Label!', '-x', '', 'gold', 'done', 2),
  fc.constantFrom(
    '2026-11-02T10:00:00+02:00',
    '2026-11-02T10:00Z',
    '2026-02-30T00:00:00Z',
    '2026-11-02 10:00:00Z',
  ),
  fc.constantFrom(
    '1999-12-31T23:59:59Z',
    '2026-11-03T12:00:00Z',
    '2026-11-03T12:00:00.001Z',
    '2024-02-29T00:00:00Z',
  ),
  fc.constantFrom('p'.repeat(65), 'm'.repeat(129), 'v1', 'support-agent'),
  fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.string({ maxLength: 8 }), fc.constant(3)), {
    minKeys: 15,
    maxKeys: 18,
  }),
  fc.dictionary(
    fc.constantFrom('web_search', 'Web Search', '', 'x'.repeat(65), 'a.b-c'),
    fc.constantFrom(0, 1, -1, 1_000_000, 1_000_001, 2.5, '3'),
    { maxKeys: 3 },
  ),
  fc.anything(),
);
const FIELDS = [
  'v',
  'event_id',
  'ts',
  'feature',
  'cohort',
  'customer_id',
  'user_hash',
  'provider',
  'model',
  'operation',
  'service_tier',
  'prompt_id',
  'prompt_version',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'delivered_output_tokens',
  'status',
  'latency_ms',
  'ttft_ms',
  'tags',
  'cache_write_1h_tokens',
  'tool_calls',
  'trace_id',
  'unknown_field',
] as const;
const event = fc
  .tuple(validEvent, fc.array(fc.tuple(fc.constantFrom(...FIELDS), suspect), { maxLength: 2 }))
  .map(([base, changes]) => {
    const e: Record<string, unknown> = { ...base };
    for (const [field, value] of changes) {
      if (value === undefined) delete e[field];
      else e[field] = value;
    }
    return e;
  });

/** The rules zod does not hold: between fields, and against the time of receipt. */
function crossRulesHold(e: Record<string, unknown>): boolean {
  const n = (k: string) => (typeof e[k] === 'number' ? (e[k] as number) : 0);
  const t = Date.parse(String(e.ts));
  return (
    n('cache_read_tokens') + n('cache_write_tokens') <= n('input_tokens') &&
    n('cache_write_1h_tokens') <= n('cache_write_tokens') &&
    n('reasoning_tokens') <= n('output_tokens') &&
    (e.delivered_output_tokens == null || n('delivered_output_tokens') <= n('output_tokens')) &&
    (e.prompt_id == null || e.prompt_version != null) &&
    Object.keys((e.tags as object) ?? {}).length <= 16 &&
    Object.keys((e.tool_calls as object) ?? {}).length <= 16 &&
    t >= Date.parse('2024-01-01T00:00:00Z') &&
    t <= RECEIVED + 24 * 3600 * 1000
  );
}

describe('validateEvent agrees with the zod reference of the contract', () => {
  it('accepts exactly the events zod accepts and the cross-field rules allow, with the same normalised values', () => {
    fc.assert(
      fc.property(event, (e) => {
        const ours = validateEvent(e, RECEIVED);
        const reference = wireEventSchema.safeParse(e);
        const expected = reference.success && crossRulesHold(e);
        expect(ours.ok).toBe(expected);
        if (ours.ok && reference.success) {
          expect(ours.event.feature).toBe(reference.data.feature);
          expect(ours.event.cohort).toBe(reference.data.cohort);
          expect(ours.event.ts).toBe(Date.parse(reference.data.ts));
          expect(ours.event.cache_read_tokens).toBe(reference.data.cache_read_tokens ?? 0);
          expect(ours.event.service_tier).toBe(reference.data.service_tier ?? 'standard');
          expect(ours.event.cache_write_1h_tokens).toBe(reference.data.cache_write_1h_tokens ?? 0);
          expect(ours.event.tool_calls).toEqual(reference.data.tool_calls ?? null);
          expect(ours.event.trace_id).toBe(reference.data.trace_id ?? null);
          expect('unknown_field' in ours.event).toBe(false);
        }
        if (!ours.ok) {
          for (const r of ours.rejections) expect(r.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isLabel, the loop the contract reads labels with', () => {
  // Strings near the pattern's edges: its characters, the ones either side of its ranges in code order, capitals,
  // spaces, a non-ASCII letter and a lone surrogate, at lengths around its limit of 64.
  const near = fc.constantFrom(...'az09._:/-`{/@[AZ ~\u00e9\ud800\u017f\u212a'.split(''), 'a', 'z', '0', '9');
  const labelish = fc.oneof(
    fc.string({ unit: near, maxLength: 70 }),
    fc.string({ unit: near, minLength: 63, maxLength: 66 }),
    fc.string({ maxLength: 70 }),
    fc.stringMatching(LABEL_PATTERN),
  );

  it('answers as LABEL_PATTERN does, for any string', () => {
    fc.assert(
      fc.property(labelish, (text) => {
        expect(isLabel(text)).toBe(LABEL_PATTERN.test(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('answers as LABEL_PATTERN does through its cache of known labels, whatever came before', () => {
    // Runs of strings of one length and last character share a slot of the cache: valid and broken ones, and
    // copies of one text made anew (equal, not the same string), in any order.
    const slotMates = fc
      .tuple(fc.integer({ min: 1, max: 66 }), fc.constantFrom(...'a0-.Z \u00e9'.split('')))
      .chain(([length, last]) =>
        fc.array(
          fc
            .string({ unit: near, minLength: length - 1, maxLength: length - 1 })
            .map((head) => `${head}${last}`),
          { minLength: 1, maxLength: 6 },
        ),
      );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(slotMates, fc.array(labelish, { maxLength: 6 })), { maxLength: 8 }),
        (runs) => {
          for (const text of runs.flat()) {
            const fresh = [...text].join('');
            const expected = LABEL_PATTERN.test(text) ? text : null;
            expect([fresh, knownLabel(fresh)]).toEqual([fresh, expected]);
            expect([text, knownLabel(text)]).toEqual([text, expected]);
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('the edges, spelled out', () => {
    for (const text of [
      '',
      'a',
      '0',
      'a'.repeat(64),
      'a'.repeat(65),
      '-a',
      '.a',
      'a-',
      'A',
      'a b',
      'a\n',
      'é',
    ])
      expect([text, isLabel(text)]).toEqual([text, LABEL_PATTERN.test(text)]);
  });
});

describe('record framing, for any input', () => {
  it('decode(encode(lines)) gives back the lines, in order', () => {
    const line = fc
      .string({ maxLength: 200 })
      .filter((s) => !s.includes('\n') && !s.includes('\r') && s.trim() !== '');
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 50 }), (lines) => {
        const records = encodeBatch(lines, 2048);
        expect(records.flatMap((r) => decodeRecord(r.data).map((l) => l.text))).toEqual(lines);
      }),
    );
  });

  it('the decoder throws nothing but FramingError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeRecord(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(FramingError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
