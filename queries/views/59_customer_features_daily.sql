-- customer_features_daily: customer_features_daily_raw's rows of every rolled-up day, from the day's current roll
-- (as usage_hourly).
CREATE OR REPLACE VIEW customer_features_daily AS
SELECT c.customer_id, c.feature, c.cohort, c.requests, c.last_ts, c.dt
FROM rollup_customer_features c
JOIN rolled_days d ON d.dt = c.dt AND d.roll_id = c.roll_id
