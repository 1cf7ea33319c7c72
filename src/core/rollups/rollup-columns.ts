import { BIGINT, DOUBLE, INT, STRING, type TableColumn, TIMESTAMP } from '../lake/table-column.ts';

/**
 * The rollup tables (docs/rollups.md): what a day of deduplicated events sums to, written once the day has ended
 * and again when late events arrive. Each is partitioned by `dt` like the events, and every row carries the
 * `roll_id` of the roll that wrote it: a day's current roll is its latest in `rollup_rolls` (the rolled_days view).
 * Their columns are those of the *_raw views that compute them (queries/views/5x_*_raw.sql), plus `roll_id`.
 */

/**
 * The rollups' format: part of every roll's dimensions fingerprint, so a roll written by an earlier format (other
 * tables or columns) is stale and the next run rolls its day again. Raise it with any change to what a roll holds.
 * 2: prompt id and version, first and last ts in the usage rollups; the prompt latencies table.
 * 3: the customer usage and run usage tables.
 */
export const ROLLUP_FORMAT = 3;

const ROLL_ID: TableColumn = {
  name: 'roll_id',
  ...STRING,
  nullable: false,
  comment: 'the roll that wrote the row: UTC time of the roll, then a random suffix',
};

/** Group columns shared by the usage and tool-call rollups. */
const GROUP: readonly TableColumn[] = [
  { name: 'hour', ...TIMESTAMP, nullable: false, comment: 'UTC hour the requests started in' },
  { name: 'provider', ...STRING, nullable: false, comment: 'provider' },
  { name: 'model', ...STRING, nullable: false, comment: 'model, an alias resolved to its snapshot' },
];

const WHO: readonly TableColumn[] = [
  { name: 'feature', ...STRING, nullable: false, comment: 'feature' },
  { name: 'cohort', ...STRING, nullable: false, comment: 'cohort' },
  { name: 'status', ...STRING, nullable: false, comment: 'ok, error or cancelled' },
  { name: 'prompt_id', ...STRING, nullable: true, comment: 'prompt id; null for requests without one' },
  { name: 'prompt_version', ...STRING, nullable: true, comment: 'prompt version' },
];

const sum = (name: string, comment: string): TableColumn => ({ name, ...BIGINT, nullable: false, comment });

/** `rollup_usage`: requests and token sums per hour and group (usage_hourly_raw). */
export const ROLLUP_USAGE_COLUMNS: readonly TableColumn[] = [
  ...GROUP,
  { name: 'service_tier', ...STRING, nullable: false, comment: 'standard, batch, flex or priority' },
  { name: 'context_tier', ...STRING, nullable: false, comment: 'standard or long' },
  ...WHO,
  {
    name: 'nonzero_usage',
    ...INT,
    nullable: false,
    comment:
      'usage types the requests used: 1 input, 2 cache_read, 4 cache_write, 8 cache_write_1h, 16 output',
  },
  sum('requests', 'requests'),
  sum('input_tokens', 'input tokens, cache reads and writes included'),
  sum('cache_read_tokens', 'cache read tokens'),
  sum('cache_write_tokens', 'cache write tokens, 1-hour included'),
  sum('cache_write_1h_tokens', '1-hour cache write tokens'),
  sum('output_tokens', 'output tokens, reasoning included'),
  sum('reasoning_tokens', 'reasoning tokens'),
  sum('wasted_output_tokens', 'output tokens not delivered: max(0, output - delivered) per request'),
  sum(
    'estimated_input_requests',
    "requests whose input tokens the app estimated (tag input_tokens 'estimated')",
  ),
  sum('latency_count', 'requests with a latency'),
  { name: 'latency_ms_sum', ...DOUBLE, nullable: true, comment: 'their latencies summed' },
  { name: 'first_ts', ...TIMESTAMP, nullable: false, comment: "the group's first request start" },
  { name: 'last_ts', ...TIMESTAMP, nullable: false, comment: "the group's last request start" },
  ROLL_ID,
];

/** `rollup_tool_calls`: calls of each billed tool per hour and group (tool_calls_hourly_raw). */
export const ROLLUP_TOOL_CALL_COLUMNS: readonly TableColumn[] = [
  ...GROUP,
  ...WHO,
  { name: 'usage_type', ...STRING, nullable: false, comment: 'tool:<name>' },
  sum('requests', 'requests that called the tool'),
  sum('calls', 'calls'),
  ROLL_ID,
];

/**
 * `rollup_prompt_latencies`: how many requests of each prompt (every version) had each latency, per hour
 * (prompt_latencies_hourly_raw) — what an exact p95 over any run of whole hours needs.
 */
export const ROLLUP_PROMPT_LATENCY_COLUMNS: readonly TableColumn[] = [
  { name: 'hour', ...TIMESTAMP, nullable: false, comment: 'UTC hour the requests started in' },
  { name: 'prompt_id', ...STRING, nullable: false, comment: 'prompt id' },
  {
    name: 'latency_ms',
    ...DOUBLE,
    nullable: false,
    comment: 'a latency in milliseconds: whole below 1 s, 3 significant digits above',
  },
  sum('requests', 'requests of the prompt in the hour with that latency'),
  ROLL_ID,
];

/** `rollup_users`: the distinct users of each feature and cohort per day (users_daily_raw). */
export const ROLLUP_USER_COLUMNS: readonly TableColumn[] = [
  { name: 'feature', ...STRING, nullable: false, comment: 'feature' },
  { name: 'cohort', ...STRING, nullable: false, comment: 'cohort' },
  { name: 'user_hash', ...STRING, nullable: false, comment: 'HMAC-SHA256 of the end user id' },
  ROLL_ID,
];

/** `rollup_customer_features`: each customer's requests per feature and cohort per day (customer_features_daily_raw). */
export const ROLLUP_CUSTOMER_FEATURE_COLUMNS: readonly TableColumn[] = [
  { name: 'customer_id', ...STRING, nullable: false, comment: 'customer' },
  { name: 'feature', ...STRING, nullable: false, comment: 'feature' },
  { name: 'cohort', ...STRING, nullable: false, comment: 'cohort' },
  sum('requests', 'requests'),
  { name: 'last_ts', ...TIMESTAMP, nullable: false, comment: "the customer's last request of the day there" },
  ROLL_ID,
];

/** The pricing key of a usage row, as hourly_rates keys its unit costs, and the row's quantity. */
const PRICED_USAGE: readonly TableColumn[] = [
  { name: 'provider', ...STRING, nullable: false, comment: 'provider' },
  {
    name: 'price_model',
    ...STRING,
    nullable: false,
    comment: "the pricing key's model: the model (an alias resolved to its snapshot), '*' for a tool",
  },
  {
    name: 'usage_type',
    ...STRING,
    nullable: false,
    comment:
      'input (net of cache), cache_read, cache_write (5-minute), cache_write_1h, output or tool:<name>',
  },
  { name: 'service_tier', ...STRING, nullable: false, comment: 'standard, batch, flex or priority' },
  { name: 'context_tier', ...STRING, nullable: false, comment: 'standard or long' },
  sum('requests', 'requests with this usage type (every request has its output row)'),
  sum('quantity', 'tokens, or calls for a tool'),
];

/** `rollup_customer_usage`: each customer's usage per hour and pricing key (customer_usage_hourly_raw). */
export const ROLLUP_CUSTOMER_USAGE_COLUMNS: readonly TableColumn[] = [
  { name: 'hour', ...TIMESTAMP, nullable: false, comment: 'UTC hour the requests started in' },
  { name: 'customer_id', ...STRING, nullable: true, comment: 'customer; null for requests without one' },
  ...PRICED_USAGE,
  ROLL_ID,
];

/** `rollup_run_usage`: each run's usage per hour, model and pricing key (run_usage_hourly_raw). */
export const ROLLUP_RUN_USAGE_COLUMNS: readonly TableColumn[] = [
  { name: 'hour', ...TIMESTAMP, nullable: false, comment: 'UTC hour the requests started in' },
  { name: 'trace_id', ...STRING, nullable: false, comment: 'the run (trace id)' },
  { name: 'model', ...STRING, nullable: false, comment: 'model, an alias resolved to its snapshot' },
  ...PRICED_USAGE,
  { name: 'first_ts', ...TIMESTAMP, nullable: false, comment: "the rows' first request start" },
  { name: 'last_ts', ...TIMESTAMP, nullable: false, comment: "the rows' last request start" },
  {
    name: 'day_first_ts',
    ...TIMESTAMP,
    nullable: false,
    comment: "start of the run's first request of the day (by ts, then event_id)",
  },
  { name: 'day_first_event_id', ...STRING, nullable: false, comment: "that request's event id" },
  { name: 'day_first_feature', ...STRING, nullable: false, comment: "that request's feature" },
  { name: 'day_first_model', ...STRING, nullable: false, comment: "that request's model (resolved)" },
  ROLL_ID,
];

/** `rollup_rolls`: one row per roll of a day — what it read, so a later run knows when the day is stale. */
export const ROLLUP_ROLL_COLUMNS: readonly TableColumn[] = [
  ROLL_ID,
  { name: 'rolled_at', ...TIMESTAMP, nullable: false, comment: 'when the roll was written' },
  {
    name: 'events_fingerprint',
    ...STRING,
    nullable: false,
    comment: "SHA-256 of the day's event object keys when rolled: another key is a late batch",
  },
  sum('event_objects', "the day's event objects when rolled"),
  {
    name: 'dimensions_fingerprint',
    ...STRING,
    nullable: false,
    comment: 'SHA-256 of the long-context thresholds, model aliases and billed tools the roll grouped by',
  },
  sum('usage_rows', 'rows written to rollup_usage'),
];

/** A rollup table: its name (the Glue table and the local view) and its folder under the lake's rollups/. */
export interface RollupTable {
  readonly table: string;
  readonly folder: string;
  readonly columns: readonly TableColumn[];
  /** The query of queries/ that computes a day of it from the raw events; none for the rolls table itself. */
  readonly query: string | null;
  /** What a row is (the Glue table's description). */
  readonly description: string;
}

export const ROLLUP_TABLES: readonly RollupTable[] = [
  {
    table: 'rollup_usage',
    folder: 'rollups/usage',
    columns: ROLLUP_USAGE_COLUMNS,
    query: 'rollups/usage.sql',
    description:
      'Daily rollup: requests and tokens per UTC hour, pricing key, feature, cohort, status and prompt version',
  },
  {
    table: 'rollup_tool_calls',
    folder: 'rollups/tool_calls',
    columns: ROLLUP_TOOL_CALL_COLUMNS,
    query: 'rollups/tool_calls.sql',
    description:
      'Daily rollup: calls of each billed tool per UTC hour, provider, model, feature, cohort, status and prompt version',
  },
  {
    table: 'rollup_prompt_latencies',
    folder: 'rollups/prompt_latencies',
    columns: ROLLUP_PROMPT_LATENCY_COLUMNS,
    query: 'rollups/prompt_latencies.sql',
    description: 'Daily rollup: requests of each prompt per UTC hour and latency (for exact percentiles)',
  },
  {
    table: 'rollup_users',
    folder: 'rollups/users',
    columns: ROLLUP_USER_COLUMNS,
    query: 'rollups/users.sql',
    description: 'Daily rollup: the distinct users of each feature and cohort per day',
  },
  {
    table: 'rollup_customer_features',
    folder: 'rollups/customer_features',
    columns: ROLLUP_CUSTOMER_FEATURE_COLUMNS,
    query: 'rollups/customer_features.sql',
    description: "Daily rollup: each customer's requests per feature and cohort per day",
  },
  {
    table: 'rollup_customer_usage',
    folder: 'rollups/customer_usage',
    columns: ROLLUP_CUSTOMER_USAGE_COLUMNS,
    query: 'rollups/customer_usage.sql',
    description: "Daily rollup: each customer's usage per UTC hour and pricing key (tokens, tool calls)",
  },
  {
    table: 'rollup_run_usage',
    folder: 'rollups/run_usage',
    columns: ROLLUP_RUN_USAGE_COLUMNS,
    query: 'rollups/run_usage.sql',
    description: "Daily rollup: each run's (trace id's) usage per UTC hour, model and pricing key",
  },
  {
    table: 'rollup_rolls',
    folder: 'rollups/rolls',
    columns: ROLLUP_ROLL_COLUMNS,
    query: null,
    description: 'One row per roll of a day: what it read (the latest roll of a day is its current one)',
  },
];
