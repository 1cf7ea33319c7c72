-- usage_hourly: usage_hourly_raw's rows of every rolled-up day, from the day's current roll (docs/rollups.md). The
-- reports read this, never the events: they first roll up every day with events that has no roll or a stale one
-- (today's included), so it holds every event they count, and reading it skips the raw files altogether.
CREATE OR REPLACE VIEW usage_hourly AS
SELECT
  u.hour, u.provider, u.model, u.service_tier, u.context_tier, u.feature, u.cohort, u.status, u.prompt_id,
  u.prompt_version, u.nonzero_usage, u.requests, u.input_tokens, u.cache_read_tokens, u.cache_write_tokens,
  u.cache_write_1h_tokens, u.output_tokens, u.reasoning_tokens, u.wasted_output_tokens,
  u.estimated_input_requests, u.latency_count, u.latency_ms_sum, u.first_ts, u.last_ts, u.dt
FROM rollup_usage u
JOIN rolled_days d ON d.dt = u.dt AND d.roll_id = u.roll_id
