-- customers: per customer for one month (docs/contracts.md §7), from the daily rollups: each customer's usage per hour
-- and pricing key, costed at the unit costs of that hour and key (customer_cost_hourly), as the margin report costs
-- its groups. Requests without a customer are one row, customer_id and cohort null; a customer with revenue and no
-- requests is a row (requests 0, cost 0). cohort: the revenue row's, else that of the customer's latest request in
-- the month. cost_share = cost ÷ the month's cost of all requests. Costliest first.
-- Parameters: 1 first day of the month 'YYYY-MM-DD', 2 first day of the next month, 3-4 the same again, 5 the month
-- 'YYYY-MM'. Filtering on dt lets Athena read only the month's partitions.
WITH costs AS (
  SELECT
    customer_id,
    sum(CASE WHEN usage_type = 'output' THEN requests ELSE 0 END) AS requests,
    sum(allocated_cost) + sum(estimated_cost) AS cost
  FROM customer_cost_hourly
  WHERE dt >= ? AND dt < ?
  GROUP BY customer_id
),
latest_cohort AS (
  -- the cohort of each customer's latest request in the month (a tie broken by cohort, for one answer)
  SELECT customer_id, cohort
  FROM (
    SELECT
      customer_id, cohort,
      row_number() OVER (PARTITION BY customer_id ORDER BY last_ts DESC, cohort DESC) AS position
    FROM customer_features_daily
    WHERE dt >= ? AND dt < ?
  ) ranked
  WHERE position = 1
),
revenue AS (
  SELECT customer_id, min(cohort) AS cohort, sum(amount) AS revenue
  FROM revenue_effective
  WHERE month = ?
  GROUP BY customer_id
),
joined AS (
  SELECT
    coalesce(c.customer_id, v.customer_id) AS customer_id,
    v.cohort AS revenue_cohort,
    coalesce(c.requests, 0) AS requests,
    coalesce(c.cost, 0) AS cost,
    coalesce(v.revenue, 0) AS revenue
  FROM costs c
  FULL OUTER JOIN revenue v ON v.customer_id = c.customer_id
),
total AS (
  SELECT sum(cost) AS cost FROM costs
)
SELECT
  j.customer_id,
  coalesce(j.revenue_cohort, l.cohort) AS cohort,
  j.requests,
  j.cost,
  j.revenue,
  j.revenue - j.cost AS margin,
  (j.revenue - j.cost) / nullif(j.revenue, 0) AS margin_pct,
  j.cost / nullif(t.cost, 0) AS cost_share
FROM joined j
LEFT JOIN latest_cohort l ON l.customer_id = j.customer_id
CROSS JOIN total t
ORDER BY j.cost DESC, j.customer_id NULLS LAST
