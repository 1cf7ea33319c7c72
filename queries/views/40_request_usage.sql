-- request_usage: each deduplicated request's usage by usage type, as providers bill it (docs/contracts.md §2), with
-- its pricing key: input = input_tokens - cache_read_tokens - cache_write_tokens; cache_read; cache_write (the
-- 5-minute writes) = cache_write_tokens - cache_write_1h_tokens; cache_write_1h; output — each keyed by the
-- request's provider, model, service tier and context tier ('long' when the price book has a long-context
-- threshold for the model at ts and input_tokens exceeds it); then one row per billed tool the request called
-- (tool:<name>, `tokens` holding calls), keyed by provider and tool alone (price_model '*', standard tiers).
-- A request recorded under a model alias counts as the snapshot the alias stands for at its ts (model_aliases).
-- `model` is the request's (resolved) model in every row; `price_model` is the model of the pricing key; `trace_id` the
-- run the request belongs to (null without one).
CREATE OR REPLACE VIEW request_usage AS
SELECT
  event_id, ts, dt, provider, model, feature, cohort, customer_id, user_hash, status, delivered_output_tokens,
  usage_type, price_model, service_tier, context_tier, tokens, trace_id
FROM (
  SELECT
    e.event_id, e.ts, e.dt, e.provider, e.resolved_model AS model, e.feature, e.cohort, e.customer_id, e.user_hash,
    e.status, e.delivered_output_tokens, u.usage_type, e.resolved_model AS price_model, e.service_tier,
    e.context_tier,
    CASE u.usage_type
      WHEN 'input' THEN e.input_tokens - e.cache_read_tokens - e.cache_write_tokens
      WHEN 'cache_read' THEN e.cache_read_tokens
      WHEN 'cache_write' THEN e.cache_write_tokens - e.cache_write_1h_tokens
      WHEN 'cache_write_1h' THEN e.cache_write_1h_tokens
      ELSE e.output_tokens
    END AS tokens,
    e.trace_id
  FROM events_resolved e
  CROSS JOIN (VALUES ('input'), ('cache_read'), ('cache_write'), ('cache_write_1h'), ('output')) AS u (usage_type)
  UNION ALL
  SELECT
    e.event_id, e.ts, e.dt, e.provider, e.resolved_model AS model, e.feature, e.cohort, e.customer_id, e.user_hash,
    e.status, e.delivered_output_tokens, b.usage_type, '*' AS price_model, 'standard' AS service_tier,
    'standard' AS context_tier, CAST(json_extract_scalar(e.tool_calls, b.calls_path) AS INTEGER) AS tokens,
    e.trace_id
  FROM events_resolved e
  JOIN billed_tools b ON b.provider = e.provider
  WHERE e.tool_calls IS NOT NULL AND json_extract_scalar(e.tool_calls, b.calls_path) IS NOT NULL
) usage_rows
