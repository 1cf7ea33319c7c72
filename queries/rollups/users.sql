-- users: days of the rollup_users table, as the view users_daily_raw computes them from the raw events; the
-- rollup job keeps the rows of the days it rolls. Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day
-- (exclusive).
SELECT * FROM users_daily_raw WHERE dt >= ? AND dt < ?
