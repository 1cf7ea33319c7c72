-- alerts_customers: each customer's cost per UTC day over a range of days — the spend alerts' day and the 7 before
-- it (docs/contracts.md §7) — from the daily rollups, costed as reports/customers.sql costs a month
-- (customer_cost_hourly). A customer without requests on a day has no row that day (its cost is 0). Requests without
-- a customer are left out.
-- Parameters: 1 first day 'YYYY-MM-DD', 2 the day after the last.
SELECT customer_id, dt, sum(allocated_cost) + sum(estimated_cost) AS cost
FROM customer_cost_hourly
WHERE dt >= ? AND dt < ? AND customer_id IS NOT NULL
GROUP BY customer_id, dt
ORDER BY customer_id, dt
