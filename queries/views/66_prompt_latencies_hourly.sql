-- prompt_latencies_hourly: prompt_latencies_hourly_raw's rows of every rolled-up day, from the day's current roll
-- (as usage_hourly).
CREATE OR REPLACE VIEW prompt_latencies_hourly AS
SELECT p.hour, p.prompt_id, p.latency_ms, p.requests, p.dt
FROM rollup_prompt_latencies p
JOIN rolled_days d ON d.dt = p.dt AND d.roll_id = p.roll_id
