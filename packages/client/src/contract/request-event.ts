import type { ServiceTier, Status } from './limits.ts';

/** A valid, normalised request event: what the lake stores for one LLM request. */
export interface RequestEvent {
  event_id: string;
  /** Request start, epoch milliseconds (UTC). */
  ts: number;
  feature: string;
  cohort: string;
  customer_id: string | null;
  user_hash: string | null;
  provider: string;
  model: string;
  operation: string;
  service_tier: ServiceTier;
  prompt_id: string | null;
  prompt_version: string | null;
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  delivered_output_tokens: number | null;
  status: Status;
  latency_ms: number | null;
  ttft_ms: number | null;
  tags: Record<string, string> | null;
  /** Part of cache_write_tokens: writes with a 1-hour TTL (the rest are 5-minute writes). */
  cache_write_1h_tokens: number;
  /** Server-side tool calls the provider bills per call, by tool name (`web_search`). */
  tool_calls: Record<string, number> | null;
  /** The run (agent run, user action, OpenTelemetry trace) this request belongs to. */
  trace_id: string | null;
}

/** A valid event and when the pipeline received it (epoch ms): what the lake stores as a row. */
export interface ReceivedEvent extends RequestEvent {
  received_at: number;
}
