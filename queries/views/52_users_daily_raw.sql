-- users_daily_raw: who used which feature in which cohort each UTC day (distinct user_hash, nulls left out), the
-- shape of the rollup_users table: a month's active users are the distinct user_hash over its days, exact on
-- both engines (no sketch).
CREATE OR REPLACE VIEW users_daily_raw AS
SELECT DISTINCT feature, cohort, user_hash, dt
FROM events_dedup
WHERE user_hash IS NOT NULL
