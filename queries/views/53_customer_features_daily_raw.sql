-- customer_features_daily_raw: each customer's requests per feature and cohort per UTC day, and the time of its
-- last request there; the shape of the rollup_customer_features table. Revenue is split over the features a
-- customer used in the month by share of requests (docs/contracts.md §7); requests without a customer are left out.
CREATE OR REPLACE VIEW customer_features_daily_raw AS
SELECT customer_id, feature, cohort, count(*) AS requests, max(ts) AS last_ts, dt
FROM events_dedup
WHERE customer_id IS NOT NULL
GROUP BY dt, customer_id, feature, cohort
