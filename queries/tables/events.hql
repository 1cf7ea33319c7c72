-- The events table in Athena's DDL dialect (Hive), for reference and for creating it by hand in the console.
-- The deployment creates the same table from CDK (infra/); a test checks both against the Parquet schema.
-- Partition projection computes dt partitions from the query's filter: no crawler, no MSCK REPAIR. The range starts
-- at 2024-01-01, the earliest ts the event contract accepts (docs/contracts.md §2): a few years of days rather than
-- decades of empty ones, which Athena would otherwise list for a query without a dt filter. It ends tomorrow, as a
-- ts may lie up to 24 h after the stream received it.
CREATE EXTERNAL TABLE IF NOT EXISTS events (
  event_id string COMMENT 'idempotency key',
  ts timestamp COMMENT 'request start, UTC',
  feature string COMMENT 'normalised feature label',
  cohort string COMMENT 'normalised cohort label',
  customer_id string COMMENT 'tenant / account',
  user_hash string COMMENT 'HMAC-SHA256 of the end user id',
  provider string COMMENT 'gen_ai.provider.name',
  model string COMMENT 'gen_ai.response.model',
  operation string COMMENT 'gen_ai.operation.name',
  service_tier string COMMENT 'standard, batch, flex or priority',
  prompt_id string COMMENT 'prompt registry id',
  prompt_version string COMMENT 'prompt registry version',
  input_tokens int COMMENT 'all input tokens, cache reads and writes included',
  cache_read_tokens int COMMENT 'part of input_tokens',
  cache_write_tokens int COMMENT 'part of input_tokens',
  output_tokens int COMMENT 'reasoning included',
  reasoning_tokens int COMMENT 'part of output_tokens',
  delivered_output_tokens int COMMENT 'null: all output was delivered',
  status string COMMENT 'ok, error or cancelled',
  latency_ms double COMMENT 'request latency',
  ttft_ms double COMMENT 'time to first token',
  tags string COMMENT 'JSON object of string tags',
  received_at timestamp COMMENT 'when the stream received the event',
  cache_write_1h_tokens int COMMENT 'part of cache_write_tokens: 1-hour TTL writes; null: 0',
  tool_calls string COMMENT 'JSON object: tool name to calls billed per call',
  trace_id string COMMENT 'the run this request belongs to'
)
PARTITIONED BY (dt string COMMENT 'UTC date of ts, YYYY-MM-DD')
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/events/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'GZIP',
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW+1DAYS',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://${lake_bucket}/events/dt=${dt}/'
)
