-- feature_usage: requests and tokens per feature and cohort over a date range, from the deduplicated events
-- (the demo prints it). Token sums are under the event's field names (input_tokens includes cache reads and
-- writes). Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day (exclusive).
SELECT
  feature,
  cohort,
  sum(requests) AS requests,
  sum(input_tokens) AS input_tokens,
  sum(cache_read_tokens) AS cache_read_tokens,
  sum(output_tokens) AS output_tokens,
  sum(cancelled_requests) AS cancelled
FROM feature_usage_daily
WHERE dt >= ? AND dt < ?
GROUP BY feature, cohort
ORDER BY feature, cohort
