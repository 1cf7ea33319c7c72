-- margin_totals: the month's totals (docs/contracts.md §7). billed = every invoice line whose charge period starts in the
-- month ('other' lines included); allocated and estimated = sums over the month's requests (per hour and pricing
-- key, hourly_rates: the same sums as over group_cost's groups);
-- unallocated = billed - allocated; coverage = allocated / billed; margin = revenue - (allocated + estimated);
-- margin_after_all_spend = revenue - billed - estimated (the unallocated spend charged too).
-- unpriced_requests = the requests with token usage that neither an invoice line nor a price covers (each group's
-- requests used the same usage types, so a group's requests are all unpriced or none: unpriced_groups).
-- Parameters: 1 first instant of the month 'YYYY-MM-DD', 2 of the next month; 3 and 4 the same as dt bounds, and
-- 5 and 6 again; 7 the month 'YYYY-MM'.
WITH billed AS (
  SELECT sum(billed_cost) AS billed, count(*) AS invoice_lines
  FROM cost_lines
  WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
),
rates AS (
  -- read once for both the costs and the unpriced requests
  SELECT * FROM hourly_rates WHERE dt >= ? AND dt < ?
),
requests AS (
  SELECT sum(allocated_cost) AS allocated, sum(estimated_cost) AS estimated FROM rates
),
unpriced_keys AS (
  SELECT dt, hour, provider, price_model, service_tier, context_tier, sum(unpriced_bit) AS unpriced_usage
  FROM rates
  WHERE unpriced_bit > 0
  GROUP BY dt, hour, provider, price_model, service_tier, context_tier
),
unpriced AS (
  -- unpriced_groups' test, over this query's rates
  SELECT sum(u.requests) AS unpriced_requests
  FROM usage_hourly u
  JOIN unpriced_keys k
    ON k.dt = u.dt AND k.hour = u.hour AND k.provider = u.provider AND k.price_model = u.model
    AND k.service_tier = u.service_tier AND k.context_tier = u.context_tier
  WHERE u.dt >= ? AND u.dt < ? AND (
    (mod(u.nonzero_usage, 2) = 1 AND mod(k.unpriced_usage, 2) = 1)
    OR (mod(u.nonzero_usage, 4) >= 2 AND mod(k.unpriced_usage, 4) >= 2)
    OR (mod(u.nonzero_usage, 8) >= 4 AND mod(k.unpriced_usage, 8) >= 4)
    OR (mod(u.nonzero_usage, 16) >= 8 AND mod(k.unpriced_usage, 16) >= 8)
    OR (u.nonzero_usage >= 16 AND k.unpriced_usage >= 16)
  )
),
revenue AS (
  SELECT sum(amount) AS revenue FROM revenue_effective WHERE month = ?
),
totals AS (
  SELECT
    coalesce(b.billed, 0) AS billed,
    coalesce(r.allocated, 0) AS allocated,
    coalesce(r.estimated, 0) AS estimated,
    coalesce(v.revenue, 0) AS revenue,
    coalesce(u.unpriced_requests, 0) AS unpriced_requests,
    coalesce(b.invoice_lines, 0) AS invoice_lines
  FROM billed b CROSS JOIN requests r CROSS JOIN unpriced u CROSS JOIN revenue v
)
SELECT
  billed,
  allocated,
  billed - allocated AS unallocated,
  estimated,
  allocated / nullif(billed, 0) AS coverage,
  revenue,
  allocated + estimated AS cost,
  revenue - (allocated + estimated) AS margin,
  revenue - billed - estimated AS margin_after_all_spend,
  unpriced_requests,
  invoice_lines
FROM totals
