-- alerts_customers: each customer's cost per UTC day over a range of days — the spend alerts' day and the 7 before
-- it (docs/contracts.md §7) — from the daily rollups, costed as reports/customers.sql costs a month. A customer
-- without requests on a day has no row that day (its cost is 0). Requests without a customer are left out.
-- Parameters: 1 first day 'YYYY-MM-DD', 2 the day after the last, 3 and 4 the same.
WITH usage AS (
  SELECT dt, hour, customer_id, provider, price_model, usage_type, service_tier, context_tier, quantity
  FROM customer_usage_hourly
  WHERE dt >= ? AND dt < ? AND customer_id IS NOT NULL
),
rates AS (
  SELECT dt, hour, provider, price_model, usage_type, service_tier, context_tier, unit_allocated, unit_estimated
  FROM hourly_rates
  WHERE dt >= ? AND dt < ?
)
SELECT
  u.customer_id, u.dt,
  sum(u.quantity * r.unit_allocated) + sum(u.quantity * r.unit_estimated) AS cost
FROM usage u
JOIN rates r
  ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
  AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
GROUP BY u.customer_id, u.dt
ORDER BY u.customer_id, u.dt
