-- hourly_usage: the quantity of each usage type per UTC hour and pricing key (provider, price model, usage type,
-- service tier, context tier): what an invoice bucket's telemetry (bucket_reconciliation) and the unit costs looked
-- up once per key and hour (hourly_rates) need, a few hundred rows a day. It is group_usage summed per key; the
-- token sums are taken per key first and then split by usage type as group_usage splits them (input net of cache
-- reads and writes, cache_write net of the 1-hour writes), which reads the month's groups once instead of five
-- times. A token usage type without quantity is left out, as in group_usage; output always has its row.
CREATE OR REPLACE VIEW hourly_usage AS
WITH keyed AS (
  SELECT
    dt, hour, provider, model, service_tier, context_tier,
    sum(input_tokens - cache_read_tokens - cache_write_tokens) AS input_quantity,
    sum(cache_read_tokens) AS cache_read_quantity,
    sum(cache_write_tokens - cache_write_1h_tokens) AS cache_write_quantity,
    sum(cache_write_1h_tokens) AS cache_write_1h_quantity,
    sum(output_tokens) AS output_quantity
  FROM usage_hourly
  GROUP BY dt, hour, provider, model, service_tier, context_tier
)
SELECT * FROM (
  SELECT * FROM (
    SELECT
      u.dt, u.hour, u.provider, u.model AS price_model, k.usage_type, u.service_tier, u.context_tier,
      CASE k.usage_type
        WHEN 'input' THEN u.input_quantity
        WHEN 'cache_read' THEN u.cache_read_quantity
        WHEN 'cache_write' THEN u.cache_write_quantity
        WHEN 'cache_write_1h' THEN u.cache_write_1h_quantity
        ELSE u.output_quantity
      END AS quantity
    FROM keyed u
    CROSS JOIN (VALUES ('input'), ('cache_read'), ('cache_write'), ('cache_write_1h'), ('output')) AS k (usage_type)
  ) token_rows
  WHERE quantity <> 0 OR usage_type = 'output'
  UNION ALL
  SELECT
    dt, hour, provider, '*' AS price_model, usage_type, 'standard' AS service_tier, 'standard' AS context_tier,
    sum(calls) AS quantity
  FROM tool_calls_hourly
  GROUP BY dt, hour, provider, usage_type
) usage_rows
