import type { ServiceTier, Status } from './contract/limits.ts';

/** What an app passes to `record()`: one LLM request, in the app's own terms. */
export interface RecordInput {
  feature: string;
  cohort: string;
  provider: string;
  model: string;
  inputTokens: number;
  /**
   * True when `inputTokens` is the app's own count or an estimate (`estimateTokens`), not the provider's: the
   * event is then tagged `input_tokens: 'estimated'` (unless it already has 16 tags). `meterStream` sets it.
   */
  inputTokensEstimated?: boolean;
  outputTokens: number;
  status: Status;
  customerId?: string;
  /** The raw end-user id: hashed with HMAC-SHA256 under `hmacKey` in this process; never sent. */
  userId?: string;
  operation?: string;
  serviceTier?: ServiceTier;
  promptId?: string;
  promptVersion?: string;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** Part of `cacheWriteTokens`: writes with a 1-hour TTL, billed dearer than 5-minute writes. */
  cacheWrite1hTokens?: number;
  /** Server-side tool calls the provider bills per call, by tool name: `{ web_search: 2 }`. */
  toolCalls?: Record<string, number>;
  /** The run this request belongs to (an agent run, one user action, an OpenTelemetry trace id). */
  traceId?: string;
  reasoningTokens?: number;
  deliveredOutputTokens?: number;
  latencyMs?: number;
  ttftMs?: number;
  tags?: Record<string, string>;
  /**
   * When the request started: epoch ms (`Date.now()`) or a `Date`. (A `performance.now()` value is understood
   * too.) @default the time of the `record()` call
   */
  startedAt?: Date | number;
  /** The idempotency key, if the app has one. @default a new UUIDv7 */
  eventId?: string;
}
