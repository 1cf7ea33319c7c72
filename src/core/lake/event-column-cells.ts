import type { EventRow } from './event-columns.ts';

/** One array per column, reused from one file to the next (see `eventColumnCells`). */
const CELLS = {
  event_id: [] as unknown[],
  ts: [] as unknown[],
  feature: [] as unknown[],
  cohort: [] as unknown[],
  customer_id: [] as unknown[],
  user_hash: [] as unknown[],
  provider: [] as unknown[],
  model: [] as unknown[],
  operation: [] as unknown[],
  service_tier: [] as unknown[],
  prompt_id: [] as unknown[],
  prompt_version: [] as unknown[],
  input_tokens: [] as unknown[],
  cache_read_tokens: [] as unknown[],
  cache_write_tokens: [] as unknown[],
  output_tokens: [] as unknown[],
  reasoning_tokens: [] as unknown[],
  delivered_output_tokens: [] as unknown[],
  status: [] as unknown[],
  latency_ms: [] as unknown[],
  ttft_ms: [] as unknown[],
  tags: [] as unknown[],
  received_at: [] as unknown[],
  cache_write_1h_tokens: [] as unknown[],
  tool_calls: [] as unknown[],
  trace_id: [] as unknown[],
};

/**
 * The cells of every events column, by column name, rows taken in `order`: the values `EVENT_CELLS` gives,
 * read in one pass with a property load per cell (the rows share one shape, so each load is monomorphic)
 * rather than a call through 26 accessors. A missing optional field reads as null. The arrays are reused
 * from one call to the next (allocating 26 arrays a file cost more than filling them); they hold the cells
 * until `releaseColumnCells`.
 */
export function eventColumnCells(
  rows: readonly EventRow[],
  order: ArrayLike<number>,
): Record<string, unknown[]> {
  const n = order.length;
  for (const cells of Object.values(CELLS)) cells.length = n;
  const {
    event_id,
    ts,
    feature,
    cohort,
    customer_id,
    user_hash,
    provider,
    model,
    operation,
    service_tier,
    prompt_id,
    prompt_version,
    input_tokens,
    cache_read_tokens,
    cache_write_tokens,
    output_tokens,
    reasoning_tokens,
    delivered_output_tokens,
    status,
    latency_ms,
    ttft_ms,
    tags,
    received_at,
    cache_write_1h_tokens,
    tool_calls,
    trace_id,
  } = CELLS;
  for (let i = 0; i < n; i++) {
    const r = rows[order[i] as number] as EventRow;
    event_id[i] = r.event_id;
    ts[i] = r.ts;
    feature[i] = r.feature;
    cohort[i] = r.cohort;
    customer_id[i] = r.customer_id ?? null;
    user_hash[i] = r.user_hash ?? null;
    provider[i] = r.provider;
    model[i] = r.model;
    operation[i] = r.operation;
    service_tier[i] = r.service_tier;
    prompt_id[i] = r.prompt_id ?? null;
    prompt_version[i] = r.prompt_version ?? null;
    input_tokens[i] = r.input_tokens;
    cache_read_tokens[i] = r.cache_read_tokens;
    cache_write_tokens[i] = r.cache_write_tokens;
    output_tokens[i] = r.output_tokens;
    reasoning_tokens[i] = r.reasoning_tokens;
    delivered_output_tokens[i] = r.delivered_output_tokens ?? null;
    status[i] = r.status;
    latency_ms[i] = r.latency_ms ?? null;
    ttft_ms[i] = r.ttft_ms ?? null;
    tags[i] = r.tags === null || r.tags === undefined ? null : JSON.stringify(r.tags);
    received_at[i] = r.received_at;
    cache_write_1h_tokens[i] = r.cache_write_1h_tokens ?? null;
    tool_calls[i] = r.tool_calls === null || r.tool_calls === undefined ? null : JSON.stringify(r.tool_calls);
    trace_id[i] = r.trace_id ?? null;
  }
  return CELLS;
}

/** Lets go of the cells of the last file (their strings), keeping the arrays. */
export function releaseColumnCells(): void {
  for (const cells of Object.values(CELLS)) cells.fill(null);
}
