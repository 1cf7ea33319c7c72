/** Limits of the request event contract (docs/contracts.md §2, §3). */
export const EVENT_LIMITS = {
  eventIdMin: 8,
  eventIdMax: 64,
  customerIdMax: 128,
  userHashMax: 128,
  providerMax: 64,
  modelMax: 128,
  promptFieldMax: 128,
  tagEntriesMax: 16,
  tagKeyMax: 64,
  tagValueMax: 256,
  toolCallEntriesMax: 16,
  toolCallsMax: 1_000_000,
  traceIdMin: 8,
  traceIdMax: 64,
  intMax: 1_000_000_000,
  /** Serialized event, in bytes of UTF-8. */
  eventBytesMax: 32 * 1024,
  /** How far `ts` may lie after the time the event was received. */
  futureSkewMs: 24 * 60 * 60 * 1000,
  /**
   * `ts` may not be before this instant: the first day of the lake's `dt` partitions (the events table's
   * partition projection starts there, infra/constructs/events-table.ts), so an older event would be stored
   * where Athena never looks.
   */
  earliestTs: Date.parse('2024-01-01T00:00:00Z'),
} as const;

/** Kinesis record framing (docs/contracts.md §3). */
export const RECORD_LIMITS = {
  /** A gzip batch record, compressed. Kinesis' own limit for a record's data blob is 1 MiB too. */
  recordBytesMax: 1024 * 1024,
  /**
   * A gzip record's NDJSON once inflated. Event NDJSON compresses 7-10×, so 64 MiB is far above any real
   * batch, and it stops a small record that inflates to gigabytes from exhausting the consumer's memory.
   */
  inflatedBytesMax: 64 * 1024 * 1024,
} as const;

export const STATUSES = ['ok', 'error', 'cancelled'] as const;
export const SERVICE_TIERS = ['standard', 'batch', 'flex', 'priority'] as const;
/** Token usage types (docs/contracts.md §2); tool calls are billed as `tool:<name>` beside them. */
export const USAGE_TYPES = ['input', 'cache_read', 'cache_write', 'cache_write_1h', 'output'] as const;

export type Status = (typeof STATUSES)[number];
export type ServiceTier = (typeof SERVICE_TIERS)[number];
export type UsageType = (typeof USAGE_TYPES)[number];
/** A server-side tool the provider bills per call, as a usage type: `tool:web_search`. */
export type ToolUsageType = `tool:${string}`;
