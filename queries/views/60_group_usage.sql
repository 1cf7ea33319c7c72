-- group_usage: usage_hourly and tool_calls_hourly by usage type, as providers bill it (docs/contracts.md §2), one row
-- per group and usage type with its pricing key: input = input_tokens - cache_read_tokens - cache_write_tokens;
-- cache_read; cache_write (the 5-minute writes) = cache_write_tokens - cache_write_1h_tokens; cache_write_1h;
-- output — keyed by provider, model, service tier and context tier; then tool:<name> calls, keyed by provider and
-- tool alone (price_model '*', standard tiers). `quantity` is tokens, or calls for a tool. Every request of a group
-- used the same usage types (nonzero_usage is part of the group), so `requests_using` — the group's requests with
-- a quantity of this usage type — is all of them or none; a token usage type a group did not use is left out.
CREATE OR REPLACE VIEW group_usage AS
SELECT * FROM (
  SELECT * FROM (
    SELECT
      u.dt, u.hour, u.provider, u.model, u.model AS price_model, u.service_tier, u.context_tier, u.feature, u.cohort,
      u.status, u.prompt_id, u.prompt_version, u.nonzero_usage, u.requests, k.usage_type,
      CASE k.usage_type
        WHEN 'input' THEN u.input_tokens - u.cache_read_tokens - u.cache_write_tokens
        WHEN 'cache_read' THEN u.cache_read_tokens
        WHEN 'cache_write' THEN u.cache_write_tokens - u.cache_write_1h_tokens
        WHEN 'cache_write_1h' THEN u.cache_write_1h_tokens
        ELSE u.output_tokens
      END AS quantity,
      CASE WHEN k.usage_type = 'output' THEN u.wasted_output_tokens ELSE 0 END AS wasted_quantity
    FROM usage_hourly u
    CROSS JOIN (VALUES ('input'), ('cache_read'), ('cache_write'), ('cache_write_1h'), ('output')) AS k (usage_type)
  ) token_rows
  -- A usage type the group did not use is no row (its quantity and cost are 0), but for output: every group has
  -- its output row, which the waste and reconciliation reports count requests by.
  WHERE quantity <> 0 OR usage_type = 'output'
  UNION ALL
  SELECT
    t.dt, t.hour, t.provider, t.model, '*' AS price_model, 'standard' AS service_tier, 'standard' AS context_tier,
    t.feature, t.cohort, t.status, t.prompt_id, t.prompt_version, CAST(NULL AS INTEGER) AS nonzero_usage,
    t.requests, t.usage_type, t.calls AS quantity, 0 AS wasted_quantity
  FROM tool_calls_hourly t
) usage_rows
