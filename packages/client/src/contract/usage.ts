import type { ToolUsageType, UsageType } from './limits.ts';
import type { RequestEvent } from './request-event.ts';

export type TokenCounts = Pick<
  RequestEvent,
  'input_tokens' | 'cache_read_tokens' | 'cache_write_tokens' | 'output_tokens'
> &
  Partial<Pick<RequestEvent, 'cache_write_1h_tokens'>>;

/**
 * How a request's tokens are billed (docs/contracts.md §2): `input` is what remains of input_tokens after
 * cache reads and cache writes, which are billed at their own rates; `cache_write` is the 5-minute writes,
 * `cache_write_1h` the 1-hour ones (dearer).
 */
export function usageSplit(e: TokenCounts): Record<UsageType, number> {
  const oneHour = e.cache_write_1h_tokens ?? 0;
  return {
    input: e.input_tokens - e.cache_read_tokens - e.cache_write_tokens,
    cache_read: e.cache_read_tokens,
    cache_write: e.cache_write_tokens - oneHour,
    cache_write_1h: oneHour,
    output: e.output_tokens,
  };
}

/** A request's tool calls as usage types (`tool:web_search` → calls); tools called 0 times are left out. */
export function toolUsage(e: Pick<RequestEvent, 'tool_calls'>): Record<ToolUsageType, number> {
  const out: Record<ToolUsageType, number> = {};
  for (const [name, calls] of Object.entries(e.tool_calls ?? {})) {
    if (calls > 0) out[`tool:${name}`] = calls;
  }
  return out;
}
