-- events_dedup: one row per event_id (the idempotency key, docs/contracts.md §2). The stream delivers at least once and
-- clients retry, so the same event can be stored more than once; every report reads this view, never `events`.
-- A retried event carries its original ts, so its copies share a dt partition: deduplicating per (dt, event_id)
-- lets Athena prune partitions through the view when a query filters on dt.
CREATE OR REPLACE VIEW events_dedup AS
SELECT
  event_id, ts, feature, cohort, customer_id, user_hash, provider, model, operation, service_tier,
  prompt_id, prompt_version, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, delivered_output_tokens, status, latency_ms, ttft_ms, tags, received_at,
  coalesce(cache_write_1h_tokens, 0) AS cache_write_1h_tokens, tool_calls, trace_id, dt
FROM (
  SELECT
    e.*,
    row_number() OVER (PARTITION BY dt, event_id ORDER BY received_at, input_tokens, output_tokens) AS copy_number
  FROM events e
) copies
WHERE copy_number = 1
