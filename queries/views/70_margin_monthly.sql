-- margin_monthly: the margin report's rows for every month, for BI tools (QuickSight, Tableau, Excel over the Athena
-- drivers), which read tables and views rather than parameterised queries (docs/finance.md "BI tools"). One row per
-- month, cohort and feature with the columns of `report margin`, from the rolled-up days (docs/rollups.md): the same
-- figures as the report for a month whose days are all rolled up. Revenue is split as in the report: a customer's
-- revenue over the features it used that month by share of requests, under the revenue row's cohort; revenue without
-- requests under feature '(no usage)'. queries/reports/margin.sql computes the same for one month with dt bounds as
-- parameters: a filter on this view's month (a function of dt) would not let Athena prune the rollups' partitions.
CREATE OR REPLACE VIEW margin_monthly AS
WITH usage AS (
  SELECT
    substr(dt, 1, 7) AS month, cohort, feature,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(output_tokens) AS output_tokens
  FROM usage_hourly
  GROUP BY substr(dt, 1, 7), cohort, feature
),
users AS (
  SELECT substr(dt, 1, 7) AS month, cohort, feature, count(DISTINCT user_hash) AS active_users
  FROM users_daily
  GROUP BY substr(dt, 1, 7), cohort, feature
),
costs AS (
  SELECT
    substr(dt, 1, 7) AS month, cohort, feature, sum(allocated_cost) AS allocated, sum(estimated_cost) AS estimated
  FROM group_cost
  GROUP BY substr(dt, 1, 7), cohort, feature
),
customer_features AS (
  SELECT substr(dt, 1, 7) AS month, customer_id, feature, sum(requests) AS requests
  FROM customer_features_daily
  GROUP BY substr(dt, 1, 7), customer_id, feature
),
customer_requests AS (
  SELECT month, customer_id, sum(requests) AS requests FROM customer_features GROUP BY month, customer_id
),
revenue_split AS (
  SELECT
    r.month,
    r.cohort,
    coalesce(f.feature, '(no usage)') AS feature,
    sum(CASE WHEN f.feature IS NULL THEN r.amount ELSE r.amount * f.requests / t.requests END) AS revenue
  FROM revenue_effective r
  LEFT JOIN customer_features f ON f.month = r.month AND f.customer_id = r.customer_id
  LEFT JOIN customer_requests t ON t.month = r.month AND t.customer_id = r.customer_id
  GROUP BY r.month, r.cohort, coalesce(f.feature, '(no usage)')
),
row_keys AS (
  SELECT month, cohort, feature FROM usage
  UNION
  SELECT month, cohort, feature FROM revenue_split
),
joined AS (
  SELECT
    k.month,
    k.cohort,
    k.feature,
    coalesce(u.requests, 0) AS requests,
    coalesce(us.active_users, 0) AS active_users,
    coalesce(u.input_tokens, 0) AS input_tokens,
    coalesce(u.cache_read_tokens, 0) AS cache_read_tokens,
    coalesce(u.cache_write_tokens, 0) AS cache_write_tokens,
    coalesce(u.output_tokens, 0) AS output_tokens,
    coalesce(c.allocated, 0) + coalesce(c.estimated, 0) AS cost,
    coalesce(rs.revenue, 0) AS revenue
  FROM row_keys k
  LEFT JOIN usage u ON u.month = k.month AND u.cohort = k.cohort AND u.feature = k.feature
  LEFT JOIN users us ON us.month = k.month AND us.cohort = k.cohort AND us.feature = k.feature
  LEFT JOIN costs c ON c.month = k.month AND c.cohort = k.cohort AND c.feature = k.feature
  LEFT JOIN revenue_split rs ON rs.month = k.month AND rs.cohort = k.cohort AND rs.feature = k.feature
)
SELECT
  month, cohort, feature, requests, active_users, input_tokens, cache_read_tokens, cache_write_tokens,
  output_tokens, cost, revenue,
  revenue - cost AS margin,
  (revenue - cost) / nullif(revenue, 0) AS margin_pct,
  cost / nullif(requests, 0) AS cost_per_request,
  cost / nullif(active_users, 0) AS cost_per_user
FROM joined
