import { describe, expect, it } from 'vitest';
import { quote, rejectionKey } from '../../packages/client/src/contract/rejection.ts';
import { toolUsage, usageSplit } from '../../packages/client/src/contract/usage.ts';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import { wireEvent } from '../helpers/factories.ts';

const NOW = Date.parse('2026-11-02T12:00:00Z');
const keys = (input: unknown) => {
  const v = validateEvent(input, NOW);
  return v.ok ? [] : v.rejections.map(rejectionKey);
};

describe('validateEvent', () => {
  it('accepts a valid event and normalises labels and defaults', () => {
    const v = validateEvent(
      wireEvent({ feature: '  Draft-Email ', cohort: 'PRO', ts: '2026-11-02T11:00:00+01:00' }),
      NOW,
    );
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.event.feature).toBe('draft-email');
    expect(v.event.cohort).toBe('pro');
    expect(v.event.ts).toBe(Date.parse('2026-11-02T10:00:00Z'));
    expect(v.event.operation).toBe('chat');
    expect(v.event.service_tier).toBe('standard');
    expect(v.event.reasoning_tokens).toBe(0);
    expect(v.event.delivered_output_tokens).toBeNull();
  });

  it('ignores unknown top-level fields', () => {
    const v = validateEvent(wireEvent({ something_new: { a: 1 } }), NOW);
    expect(v.ok && 'something_new' in v.event).toBe(false);
    expect(v.ok).toBe(true);
  });

  it.each([
    [{ v: 2 }, 'v:not_allowed'],
    [{ event_id: 'short' }, 'event_id:too_short'],
    [{ event_id: 'has space in it' }, 'event_id:bad_format'],
    [{ event_id: 'x'.repeat(65) }, 'event_id:too_long'],
    [{ ts: '2026-11-02 10:00:00' }, 'ts:bad_format'],
    [{ ts: '2026-11-02T10:00:00' }, 'ts:bad_format'],
    [{ ts: '1999-12-31T23:59:59Z' }, 'ts:ts_too_old'],
    [{ ts: '2026-11-03T12:00:01Z' }, 'ts:ts_future'],
    [{ feature: 'Draft Email!' }, 'feature:bad_format'],
    [{ feature: undefined }, 'feature:missing'],
    [{ cohort: '-pro' }, 'cohort:bad_format'],
    [{ customer_id: 'c'.repeat(129) }, 'customer_id:too_long'],
    [{ provider: 'p'.repeat(65) }, 'provider:too_long'],
    [{ model: undefined }, 'model:missing'],
    [{ service_tier: 'gold' }, 'service_tier:not_allowed'],
    [{ input_tokens: -1 }, 'input_tokens:out_of_range'],
    [{ input_tokens: 1.5 }, 'input_tokens:wrong_type'],
    [{ input_tokens: '100' }, 'input_tokens:wrong_type'],
    [{ output_tokens: 1_000_000_001 }, 'output_tokens:out_of_range'],
    [{ input_tokens: 100, cache_read_tokens: 80, cache_write_tokens: 30 }, 'input_tokens:invariant'],
    [{ output_tokens: 10, reasoning_tokens: 11 }, 'reasoning_tokens:invariant'],
    [{ output_tokens: 10, delivered_output_tokens: 11 }, 'delivered_output_tokens:invariant'],
    [{ prompt_id: 'p1' }, 'prompt_version:missing'],
    [{ status: 'done' }, 'status:not_allowed'],
    [{ latency_ms: -3 }, 'latency_ms:out_of_range'],
    [{ tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'tags:too_many'],
    [{ tags: { team: 5 } }, 'tags:wrong_type'],
  ])('refuses %j with %s', (override, expected) => {
    expect(keys(wireEvent(override))).toContain(expected);
  });

  it('accepts the boundaries themselves', () => {
    expect(keys(wireEvent({ ts: '2026-11-03T12:00:00Z' }))).toEqual([]);
    expect(keys(wireEvent({ ts: '2024-01-01T00:00:00Z' }))).toEqual([]);
    expect(keys(wireEvent({ event_id: 'abcdefgh' }))).toEqual([]);
    expect(keys(wireEvent({ input_tokens: 100, cache_read_tokens: 70, cache_write_tokens: 30 }))).toEqual([]);
    expect(keys(wireEvent({ output_tokens: 1_000_000_000 }))).toEqual([]);
    expect(
      keys(wireEvent({ tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])) })),
    ).toEqual([]);
  });

  it('names the field and quotes the value in the message', () => {
    const v = validateEvent(wireEvent({ feature: 'Draft Email!' }), NOW);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.rejections[0]?.message).toContain('feature');
    expect(v.rejections[0]?.message).toContain('"Draft Email!"');
  });

  it('refuses anything that is not an object', () => {
    for (const input of [null, 3, 'x', [1]]) expect(keys(input)).toEqual(['not_object']);
  });
});

describe('usageSplit', () => {
  it('bills input without the cached parts', () => {
    expect(
      usageSplit({ input_tokens: 1000, cache_read_tokens: 600, cache_write_tokens: 100, output_tokens: 50 }),
    ).toEqual({ input: 300, cache_read: 600, cache_write: 100, cache_write_1h: 0, output: 50 });
  });

  it('splits cache writes into 5-minute and 1-hour ones', () => {
    expect(
      usageSplit({
        input_tokens: 1000,
        cache_read_tokens: 100,
        cache_write_tokens: 700,
        cache_write_1h_tokens: 250,
        output_tokens: 50,
      }),
    ).toEqual({ input: 200, cache_read: 100, cache_write: 450, cache_write_1h: 250, output: 50 });
  });

  it('lists the tools a request called, as tool usage types, leaving out tools called 0 times', () => {
    expect(toolUsage({ tool_calls: { web_search: 3, code_execution: 0 } })).toEqual({ 'tool:web_search': 3 });
    expect(toolUsage({ tool_calls: null })).toEqual({});
  });
});

describe('quote, on values too deep to print', () => {
  it('shows the start of a 10,000-deep array or object instead of overflowing the stack', () => {
    let array: unknown = [];
    let object: unknown = {};
    for (let i = 0; i < 10_000; i++) {
      array = [array];
      object = { a: object };
    }
    expect(quote(array)).toBe(`${'['.repeat(77)}...`);
    expect(quote(object)).toMatch(/^\{"a":\{"a":\{"a":.*\.\.\.$/);
    expect(quote(object)).toHaveLength(80);
  });

  it('quotes ordinary values as JSON, as before', () => {
    expect(quote({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(quote('x'.repeat(100))).toBe(`"${'x'.repeat(76)}...`);
  });
});
