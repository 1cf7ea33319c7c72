-- customer_usage: days of the rollup_customer_usage table, as the view customer_usage_hourly_raw computes them from the raw events; the
-- rollup job keeps the rows of the days it rolls. Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day
-- (exclusive).
SELECT * FROM customer_usage_hourly_raw WHERE dt >= ? AND dt < ?
