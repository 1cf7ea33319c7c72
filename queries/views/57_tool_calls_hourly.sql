-- tool_calls_hourly: tool_calls_hourly_raw's rows of every rolled-up day, from the day's current roll (as
-- usage_hourly).
CREATE OR REPLACE VIEW tool_calls_hourly AS
SELECT
  t.hour, t.provider, t.model, t.feature, t.cohort, t.status, t.prompt_id, t.prompt_version, t.usage_type,
  t.requests, t.calls, t.dt
FROM rollup_tool_calls t
JOIN rolled_days d ON d.dt = t.dt AND d.roll_id = t.roll_id
