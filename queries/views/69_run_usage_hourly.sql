-- run_usage_hourly: run_usage_hourly_raw's rows of every rolled-up day, from the day's current roll (as
-- usage_hourly).
CREATE OR REPLACE VIEW run_usage_hourly AS
SELECT
  r.hour, r.trace_id, r.model, r.provider, r.price_model, r.usage_type, r.service_tier, r.context_tier, r.requests,
  r.quantity, r.first_ts, r.last_ts, r.day_first_ts, r.day_first_event_id, r.day_first_feature, r.day_first_model,
  r.dt
FROM rollup_run_usage r
JOIN rolled_days d ON d.dt = r.dt AND d.roll_id = r.roll_id
