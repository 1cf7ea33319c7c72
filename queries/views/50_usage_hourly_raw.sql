-- usage_hourly_raw: the deduplicated events summed per UTC hour and group, the shape of the rollup_usage table
-- (docs/rollups.md): a day's rollup is this view's rows of that day, written once the day has ended. A group is
-- everything a report splits or prices by: provider, model (an alias resolved to its snapshot at the request's
-- time), service tier, context tier ('long' when the price book has a long-context threshold for the model and
-- input_tokens exceeds it), feature, cohort, status, prompt id and version (the governance report's deploy
-- comparisons), and which of the five token usage types the request used (nonzero_usage: 1 input net of cache,
-- 2 cache_read, 4 cache_write (5-minute), 8 cache_write_1h, 16 output), so that "requests with an unpriced usage"
-- stays an exact count. first_ts and last_ts bound the group's request starts (governance checks a group whole
-- when no deploy or retire time of its prompt version falls between them).
-- Token sums are under the event's field names (input_tokens includes cache reads and writes); wasted output is
-- max(0, output - delivered) per request, summed.
CREATE OR REPLACE VIEW usage_hourly_raw AS
WITH keyed AS (
  SELECT
    r.dt,
    date_trunc('hour', r.ts) AS hour,
    r.provider,
    r.resolved_model AS model,
    r.service_tier,
    r.context_tier,
    r.feature, r.cohort, r.status, r.prompt_id, r.prompt_version,
    CASE WHEN r.input_tokens - r.cache_read_tokens - r.cache_write_tokens > 0 THEN 1 ELSE 0 END
      + CASE WHEN r.cache_read_tokens > 0 THEN 2 ELSE 0 END
      + CASE WHEN r.cache_write_tokens - r.cache_write_1h_tokens > 0 THEN 4 ELSE 0 END
      + CASE WHEN r.cache_write_1h_tokens > 0 THEN 8 ELSE 0 END
      + CASE WHEN r.output_tokens > 0 THEN 16 ELSE 0 END AS nonzero_usage,
    r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.cache_write_1h_tokens, r.output_tokens,
    r.reasoning_tokens,
    greatest(r.output_tokens - coalesce(r.delivered_output_tokens, r.output_tokens), 0) AS wasted_output_tokens,
    CASE WHEN json_extract_scalar(r.tags, '$.input_tokens') = 'estimated' THEN 1 ELSE 0 END AS estimated_input,
    r.latency_ms, r.ts
  FROM events_resolved r
)
SELECT
  hour, provider, model, service_tier, context_tier, feature, cohort, status, prompt_id, prompt_version,
  nonzero_usage,
  count(*) AS requests,
  sum(CAST(input_tokens AS BIGINT)) AS input_tokens,
  sum(CAST(cache_read_tokens AS BIGINT)) AS cache_read_tokens,
  sum(CAST(cache_write_tokens AS BIGINT)) AS cache_write_tokens,
  sum(CAST(cache_write_1h_tokens AS BIGINT)) AS cache_write_1h_tokens,
  sum(CAST(output_tokens AS BIGINT)) AS output_tokens,
  sum(CAST(reasoning_tokens AS BIGINT)) AS reasoning_tokens,
  sum(CAST(wasted_output_tokens AS BIGINT)) AS wasted_output_tokens,
  sum(estimated_input) AS estimated_input_requests,
  count(latency_ms) AS latency_count,
  sum(latency_ms) AS latency_ms_sum,
  min(ts) AS first_ts,
  max(ts) AS last_ts,
  dt
FROM keyed
GROUP BY
  dt, hour, provider, model, service_tier, context_tier, feature, cohort, status, prompt_id, prompt_version,
  nonzero_usage
