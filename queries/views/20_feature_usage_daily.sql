-- feature_usage_daily: requests and tokens per day, feature, cohort, provider and model, from the deduplicated
-- events. Token sums are under the event's field names (input_tokens includes cache reads and writes).
CREATE OR REPLACE VIEW feature_usage_daily AS
SELECT
  dt,
  feature,
  cohort,
  provider,
  model,
  count(*) AS requests,
  approx_distinct(user_hash) AS approx_users,
  count_if(status = 'cancelled') AS cancelled_requests,
  count_if(status = 'error') AS error_requests,
  sum(CAST(input_tokens AS BIGINT)) AS input_tokens,
  sum(CAST(cache_read_tokens AS BIGINT)) AS cache_read_tokens,
  sum(CAST(cache_write_tokens AS BIGINT)) AS cache_write_tokens,
  sum(CAST(output_tokens AS BIGINT)) AS output_tokens,
  sum(CAST(reasoning_tokens AS BIGINT)) AS reasoning_tokens
FROM events_dedup
GROUP BY dt, feature, cohort, provider, model
