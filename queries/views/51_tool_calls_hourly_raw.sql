-- tool_calls_hourly_raw: the calls of every billed tool (billed_tools) in the deduplicated events, per UTC hour
-- and the groups of usage_hourly_raw that a tool cost is split by; the shape of the rollup_tool_calls table.
-- Tools are billed across models and tiers (docs/contracts.md §6), so the model here is only for reporting.
CREATE OR REPLACE VIEW tool_calls_hourly_raw AS
WITH calls AS (
  SELECT
    e.dt, date_trunc('hour', e.ts) AS hour, e.provider, e.resolved_model AS model, e.feature, e.cohort,
    e.status, e.prompt_id, e.prompt_version, b.usage_type,
    CAST(json_extract_scalar(e.tool_calls, b.calls_path) AS BIGINT) AS calls
  FROM events_resolved e
  JOIN billed_tools b ON b.provider = e.provider
  WHERE e.tool_calls IS NOT NULL AND json_extract_scalar(e.tool_calls, b.calls_path) IS NOT NULL
)
SELECT
  hour, provider, model, feature, cohort, status, prompt_id, prompt_version, usage_type,
  count(*) AS requests,
  sum(calls) AS calls,
  dt
FROM calls
GROUP BY dt, hour, provider, model, feature, cohort, status, prompt_id, prompt_version, usage_type
