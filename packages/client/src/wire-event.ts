import { UserHasher } from './contract/user-hash.ts';
import { uuidv7 } from './contract/uuidv7.ts';
import type { RecordInput } from './record-input.ts';

/** A `record()` call waiting in the queue: the input and when it was made. */
export interface Pending {
  input: RecordInput;
  at: number;
}

/** The wire event (docs/contracts.md §2) for a pending call; fields the app left out stay out. */
export function toWireEvent(p: Pending, hasher: UserHasher | null): Record<string, unknown> {
  const i = p.input;
  let started = i.startedAt instanceof Date ? i.startedAt.getTime() : (i.startedAt ?? p.at);
  // A `performance.now()` value (ms since the process started; an epoch time would be before 1973): placed on the epoch.
  if (typeof started === 'number' && started < 1e11) started += performance.timeOrigin;
  const e: Record<string, unknown> = {
    v: 1,
    event_id: i.eventId ?? uuidv7(started),
    ts: new Date(started).toISOString(),
    feature: i.feature,
    cohort: i.cohort,
    provider: i.provider,
    model: i.model,
    input_tokens: i.inputTokens,
    output_tokens: i.outputTokens,
    status: i.status,
  };
  // Written out field by field: this runs for every event, and a table walk costs twice as much.
  if (i.customerId !== undefined) e.customer_id = i.customerId;
  if (i.userId !== undefined && hasher) e.user_hash = hasher.hash(i.userId);
  if (i.operation !== undefined) e.operation = i.operation;
  if (i.serviceTier !== undefined) e.service_tier = i.serviceTier;
  if (i.promptId !== undefined) e.prompt_id = i.promptId;
  if (i.promptVersion !== undefined) e.prompt_version = i.promptVersion;
  if (i.cacheReadTokens !== undefined && i.cacheReadTokens !== 0) e.cache_read_tokens = i.cacheReadTokens;
  if (i.cacheWriteTokens !== undefined && i.cacheWriteTokens !== 0) e.cache_write_tokens = i.cacheWriteTokens;
  if (i.cacheWrite1hTokens !== undefined && i.cacheWrite1hTokens !== 0)
    e.cache_write_1h_tokens = i.cacheWrite1hTokens;
  if (i.reasoningTokens !== undefined && i.reasoningTokens !== 0) e.reasoning_tokens = i.reasoningTokens;
  if (i.deliveredOutputTokens !== undefined) e.delivered_output_tokens = i.deliveredOutputTokens;
  if (i.latencyMs !== undefined) e.latency_ms = i.latencyMs;
  if (i.ttftMs !== undefined) e.ttft_ms = i.ttftMs;
  if (i.tags !== undefined) e.tags = i.tags;
  if (i.inputTokensEstimated === true) {
    const tags = (e.tags ?? {}) as Record<string, string>;
    if (typeof tags === 'object' && Object.keys(tags).length < 16)
      e.tags = { ...tags, input_tokens: 'estimated' };
  }
  if (i.toolCalls !== undefined) e.tool_calls = i.toolCalls;
  if (i.traceId !== undefined) e.trace_id = i.traceId;
  return e;
}

/**
 * The wire events `record()` would send for these inputs, for writing JSONL files to replay later
 * (`tokenledger ingest events`): user ids hashed under `hmacKey` (left out without one, or with an empty one), ids made the same way.
 */
export function wireEncoder(hmacKey?: string | Uint8Array): (input: RecordInput) => Record<string, unknown> {
  // An empty key counts as none, as in createEmitter: anyone could recompute hashes made under ''.
  const hasher = hmacKey === undefined || hmacKey.length === 0 ? null : new UserHasher(hmacKey);
  return (input) => toWireEvent({ input, at: Date.now() }, hasher);
}
