import { describe, expect, it } from 'vitest';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { FEATURES } from '../../src/demo/catalogue.ts';
import { generateTraffic } from '../../src/demo/traffic.ts';

const MONTH = '2025-09';
const traffic = generateTraffic({ month: MONTH, requests: 20_000, seed: 42 });

/** The traffic's requests, each event id once. */
const calls: RecordInput[] = (() => {
  const seen = new Set<string>();
  const out: RecordInput[] = [];
  for (const item of traffic.items) {
    if (item.kind !== 'call' || seen.has(item.input.eventId as string)) continue;
    seen.add(item.input.eventId as string);
    out.push(item.input);
  }
  return out;
})();

const share = (part: number, whole: number) => part / whole;

describe('demo traffic: pricing dimensions', () => {
  it('sends the nightly digest through the Batch API on one OpenAI and one Anthropic model, never cancelled', () => {
    // Act
    const batch = calls.filter((c) => c.serviceTier === 'batch');
    const digest = calls.filter((c) => c.feature === 'nightly-digest');

    // Assess
    expect(FEATURES.map((f) => f.name)).toContain('nightly-digest');
    expect(batch).toEqual(digest);
    expect(share(digest.length, calls.length)).toBeGreaterThan(0.04);
    expect(share(digest.length, calls.length)).toBeLessThan(0.12);
    expect(new Set(digest.map((c) => c.provider))).toEqual(new Set(['openai', 'anthropic']));
    expect(digest.filter((c) => c.status === 'cancelled')).toEqual([]);
    expect(share(digest.filter((c) => c.status === 'error').length, digest.length)).toBeLessThan(0.02);
    for (const c of digest) expect([c.promptId, c.promptVersion]).toEqual(['nightly-digest', 'v3']);
  });

  it('has a few long-context support-agent requests on Claude Sonnet 4, above 200k input tokens', () => {
    // Act
    const long = calls.filter((c) => c.inputTokens > 200_000);
    const sonnet = calls.filter(
      (c) =>
        c.feature === 'support-agent' && c.provider === 'anthropic' && c.model === 'claude-sonnet-4-20250514',
    );

    // Assess
    expect(long.length).toBeGreaterThan(0);
    for (const c of long) {
      expect([c.feature, c.provider, c.model]).toEqual([
        'support-agent',
        'anthropic',
        'claude-sonnet-4-20250514',
      ]);
    }
    expect(share(long.length, sonnet.length)).toBeGreaterThan(0.01);
    expect(share(long.length, sonnet.length)).toBeLessThan(0.03);
  });

  it('writes some Anthropic caches with a 1-hour TTL, never more than the request writes, never on Bedrock', () => {
    // Act
    const oneHour = calls.filter((c) => (c.cacheWrite1hTokens ?? 0) > 0);
    // The writes of the features that write some for an hour (research-agent writes at every step, for 5 minutes).
    const writes = calls.filter(
      (c) =>
        c.provider === 'anthropic' &&
        ['support-agent', 'summarize-thread'].includes(c.feature) &&
        (c.cacheWriteTokens ?? 0) > 0,
    );

    // Assess
    expect(oneHour.length).toBeGreaterThan(0);
    for (const c of oneHour) {
      expect(c.provider).toBe('anthropic');
      expect(c.cacheWrite1hTokens).toBeLessThanOrEqual(c.cacheWriteTokens ?? 0);
    }
    expect(new Set(oneHour.map((c) => c.feature))).toEqual(new Set(['support-agent', 'summarize-thread']));
    expect(share(oneHour.length, writes.length)).toBeGreaterThan(0.2);
    expect(share(oneHour.length, writes.length)).toBeLessThan(0.6);
  });

  it('makes web searches on support-agent and research-agent (Anthropic) and draft-email (gpt-4o) only, 1 to 3 a request', () => {
    // Act
    const searching = calls.filter((c) => c.toolCalls !== undefined);

    // Assess
    expect(searching.length).toBeGreaterThan(0);
    for (const c of searching) {
      expect(Object.keys(c.toolCalls ?? {})).toEqual(['web_search']);
      expect(c.toolCalls?.web_search).toBeGreaterThanOrEqual(1);
      expect(c.toolCalls?.web_search).toBeLessThanOrEqual(3);
      expect(c.status).not.toBe('error');
    }
    expect(new Set(searching.map((c) => `${c.feature} ${c.provider} ${c.model}`))).toEqual(
      new Set([
        'support-agent anthropic claude-sonnet-4-20250514',
        'research-agent anthropic claude-sonnet-4-20250514',
        'draft-email openai gpt-4o-2024-08-06',
      ]),
    );
    const support = calls.filter((c) => c.feature === 'support-agent' && c.provider === 'anthropic');
    const rate = share(support.filter((c) => c.toolCalls !== undefined).length, support.length);
    expect(rate).toBeGreaterThan(0.1);
    expect(rate).toBeLessThan(0.2);
  });
});
