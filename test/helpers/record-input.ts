import type { RecordInput } from '../../packages/client/src/record-input.ts';

let n = 0;
/** A valid `record()` input; override any field. */
export function recordInput(overrides: Partial<RecordInput> = {}): RecordInput {
  n++;
  return {
    feature: 'draft-email',
    cohort: 'pro',
    customerId: `cus_${n % 7}`,
    userId: `user-${n % 13}@example.com`,
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    inputTokens: 1000 + n,
    cacheReadTokens: 200,
    outputTokens: 300,
    status: 'ok',
    latencyMs: 812.5,
    ...overrides,
  };
}
