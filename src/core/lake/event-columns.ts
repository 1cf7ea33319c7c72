import type { ReceivedEvent } from '@tokenledger/client/contract';
import { DOUBLE, INT, STRING, type TableColumn, TIMESTAMP } from './table-column.ts';

/**
 * The columns of the events table, in file order. `dt` (the UTC date of `ts`) is the partition column; it lives
 * in the object key, not in the file.
 */
export type EventColumn = TableColumn;

export const EVENT_COLUMNS: readonly EventColumn[] = [
  { name: 'event_id', ...STRING, nullable: false, comment: 'idempotency key' },
  { name: 'ts', ...TIMESTAMP, nullable: false, comment: 'request start, UTC' },
  { name: 'feature', ...STRING, nullable: false, comment: 'normalised feature label' },
  { name: 'cohort', ...STRING, nullable: false, comment: 'normalised cohort label' },
  { name: 'customer_id', ...STRING, nullable: true, comment: 'tenant / account' },
  { name: 'user_hash', ...STRING, nullable: true, comment: 'HMAC-SHA256 of the end user id' },
  { name: 'provider', ...STRING, nullable: false, comment: 'gen_ai.provider.name' },
  { name: 'model', ...STRING, nullable: false, comment: 'gen_ai.response.model' },
  { name: 'operation', ...STRING, nullable: false, comment: 'gen_ai.operation.name' },
  { name: 'service_tier', ...STRING, nullable: false, comment: 'standard, batch, flex or priority' },
  { name: 'prompt_id', ...STRING, nullable: true, comment: 'prompt registry id' },
  { name: 'prompt_version', ...STRING, nullable: true, comment: 'prompt registry version' },
  {
    name: 'input_tokens',
    ...INT,
    nullable: false,
    comment: 'all input tokens, cache reads and writes included',
  },
  { name: 'cache_read_tokens', ...INT, nullable: false, comment: 'part of input_tokens' },
  { name: 'cache_write_tokens', ...INT, nullable: false, comment: 'part of input_tokens' },
  { name: 'output_tokens', ...INT, nullable: false, comment: 'reasoning included' },
  { name: 'reasoning_tokens', ...INT, nullable: false, comment: 'part of output_tokens' },
  { name: 'delivered_output_tokens', ...INT, nullable: true, comment: 'null: all output was delivered' },
  { name: 'status', ...STRING, nullable: false, comment: 'ok, error or cancelled' },
  { name: 'latency_ms', ...DOUBLE, nullable: true, comment: 'request latency' },
  { name: 'ttft_ms', ...DOUBLE, nullable: true, comment: 'time to first token' },
  { name: 'tags', ...STRING, nullable: true, comment: 'JSON object of string tags' },
  { name: 'received_at', ...TIMESTAMP, nullable: false, comment: 'when the stream received the event' },
  // Appended later, so nullable: files written before do not have them (null reads as 0 / none).
  {
    name: 'cache_write_1h_tokens',
    ...INT,
    nullable: true,
    comment: 'part of cache_write_tokens: 1-hour TTL writes; null: 0',
  },
  {
    name: 'tool_calls',
    ...STRING,
    nullable: true,
    comment: 'JSON object: tool name to calls billed per call',
  },
  { name: 'trace_id', ...STRING, nullable: true, comment: 'the run this request belongs to' },
];

/** The partition column, declared by the table, derived from `ts`. */
export const PARTITION_COLUMN = {
  name: 'dt',
  glue: 'string',
  duckdb: 'VARCHAR',
  comment: 'UTC date of ts, YYYY-MM-DD',
} as const;

/** A stored row: the event plus when it was received. */
export type EventRow = ReceivedEvent;

/** The value a row stores in each column, by column name (tags and tool calls as JSON text). */
export const EVENT_CELLS: Readonly<Record<string, (row: EventRow) => unknown>> = {
  event_id: (r) => r.event_id,
  ts: (r) => r.ts,
  feature: (r) => r.feature,
  cohort: (r) => r.cohort,
  customer_id: (r) => r.customer_id,
  user_hash: (r) => r.user_hash,
  provider: (r) => r.provider,
  model: (r) => r.model,
  operation: (r) => r.operation,
  service_tier: (r) => r.service_tier,
  prompt_id: (r) => r.prompt_id,
  prompt_version: (r) => r.prompt_version,
  input_tokens: (r) => r.input_tokens,
  cache_read_tokens: (r) => r.cache_read_tokens,
  cache_write_tokens: (r) => r.cache_write_tokens,
  output_tokens: (r) => r.output_tokens,
  reasoning_tokens: (r) => r.reasoning_tokens,
  delivered_output_tokens: (r) => r.delivered_output_tokens,
  status: (r) => r.status,
  latency_ms: (r) => r.latency_ms,
  ttft_ms: (r) => r.ttft_ms,
  tags: (r) => (r.tags === null ? null : JSON.stringify(r.tags)),
  received_at: (r) => r.received_at,
  cache_write_1h_tokens: (r) => r.cache_write_1h_tokens,
  tool_calls: (r) => (r.tool_calls === null ? null : JSON.stringify(r.tool_calls)),
  trace_id: (r) => r.trace_id,
};

/** The value a row stores in a column (tags as JSON text). */
export function cellOf(row: EventRow, column: EventColumn): unknown {
  const cell = EVENT_CELLS[column.name];
  return cell ? cell(row) : row[column.name as keyof EventRow];
}

const DAY_MS = 86_400_000;
const dayNames = new Map<number, string>();

/** The UTC day of an epoch-ms instant, as days since 1970-01-01 (the day `utcDate` names). */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `YYYY-MM-DD` of an epoch-ms instant, in UTC (cached per day: it is asked once per event). */
export function utcDate(ms: number): string {
  const day = utcDay(ms);
  let name = dayNames.get(day);
  if (name === undefined) {
    name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(day, name);
  }
  return name;
}
