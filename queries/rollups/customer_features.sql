-- customer_features: days of the rollup_customer_features table, as the view customer_features_daily_raw computes them from the raw events; the
-- rollup job keeps the rows of the days it rolls. Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day
-- (exclusive).
SELECT * FROM customer_features_daily_raw WHERE dt >= ? AND dt < ?
