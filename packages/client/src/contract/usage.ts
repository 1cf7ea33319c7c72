import type { UsageType } from './limits.ts';
import type { RequestEvent } from './request-event.ts';

export type TokenCounts = Pick<
  RequestEvent,
  'input_tokens' | 'cache_read_tokens' | 'cache_write_tokens' | 'output_tokens'
>;

/**
 * How a request's tokens are billed (docs/contracts.md §2): `input` is what remains of input_tokens after
 * cache reads and cache writes, which are billed at their own rates.
 */
export function usageSplit(e: TokenCounts): Record<UsageType, number> {
  return {
    input: e.input_tokens - e.cache_read_tokens - e.cache_write_tokens,
    cache_read: e.cache_read_tokens,
    cache_write: e.cache_write_tokens,
    output: e.output_tokens,
  };
}
