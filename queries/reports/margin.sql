-- margin: per cohort and feature for one month (docs/contracts.md §7), from the daily rollups: one pass over the
-- month's groups, whose costs are their quantities × the unit costs of their hour and pricing key (hourly_rates).
-- Parameters: 1 first day of the month 'YYYY-MM-DD', 2 first day of the next month, 3-8 the same three times
-- again, 9 the month 'YYYY-MM'. Filtering on dt lets Athena read only the month's partitions.
WITH usage AS (
  SELECT
    cohort, feature,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(output_tokens) AS output_tokens
  FROM usage_hourly
  WHERE dt >= ? AND dt < ?
  GROUP BY cohort, feature
),
users AS (
  SELECT cohort, feature, count(DISTINCT user_hash) AS active_users
  FROM users_daily
  WHERE dt >= ? AND dt < ?
  GROUP BY cohort, feature
),
feature_usage AS (
  -- the month's quantities per hour, pricing key, usage type, cohort and feature: group_usage without the splits
  -- (status, prompt, usage types used) that the costs per cohort and feature do not need
  SELECT
    dt, hour, provider, price_model, usage_type, service_tier, context_tier, cohort, feature,
    sum(quantity) AS quantity
  FROM group_usage
  WHERE dt >= ? AND dt < ?
  GROUP BY dt, hour, provider, price_model, usage_type, service_tier, context_tier, cohort, feature
),
costs AS (
  -- quantity × unit cost, as group_cost costs a group (costs are linear in the quantity)
  SELECT
    u.cohort, u.feature, sum(u.quantity * r.unit_allocated) AS allocated,
    sum(u.quantity * r.unit_estimated) AS estimated
  FROM feature_usage u
  JOIN hourly_rates r
    ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
    AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
  GROUP BY u.cohort, u.feature
),
customer_features AS (
  SELECT customer_id, feature, sum(requests) AS requests
  FROM customer_features_daily
  WHERE dt >= ? AND dt < ?
  GROUP BY customer_id, feature
),
customer_requests AS (
  SELECT customer_id, sum(requests) AS requests FROM customer_features GROUP BY customer_id
),
revenue_split AS (
  -- A customer's revenue goes to the features it used that month, by share of requests, under the cohort of
  -- the revenue row; revenue without requests goes to '(no usage)'.
  SELECT
    r.cohort,
    coalesce(f.feature, '(no usage)') AS feature,
    sum(CASE WHEN f.feature IS NULL THEN r.amount ELSE r.amount * f.requests / t.requests END) AS revenue
  FROM revenue_effective r
  LEFT JOIN customer_features f ON f.customer_id = r.customer_id
  LEFT JOIN customer_requests t ON t.customer_id = r.customer_id
  WHERE r.month = ?
  GROUP BY r.cohort, coalesce(f.feature, '(no usage)')
),
row_keys AS (
  SELECT cohort, feature FROM usage
  UNION
  SELECT cohort, feature FROM revenue_split
),
joined AS (
  SELECT
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
  LEFT JOIN usage u ON u.cohort = k.cohort AND u.feature = k.feature
  LEFT JOIN users us ON us.cohort = k.cohort AND us.feature = k.feature
  LEFT JOIN costs c ON c.cohort = k.cohort AND c.feature = k.feature
  LEFT JOIN revenue_split rs ON rs.cohort = k.cohort AND rs.feature = k.feature
)
SELECT
  cohort, feature, requests, active_users, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
  cost,
  revenue,
  revenue - cost AS margin,
  (revenue - cost) / nullif(revenue, 0) AS margin_pct,
  cost / nullif(requests, 0) AS cost_per_request,
  cost / nullif(active_users, 0) AS cost_per_user
FROM joined
ORDER BY cohort, feature
