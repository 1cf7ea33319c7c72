-- users_daily: users_daily_raw's rows of every rolled-up day, from the day's current roll (as usage_hourly).
CREATE OR REPLACE VIEW users_daily AS
SELECT u.feature, u.cohort, u.user_hash, u.dt
FROM rollup_users u
JOIN rolled_days d ON d.dt = u.dt AND d.roll_id = u.roll_id
