-- margin_totals: the month's totals (docs/contracts.md §7). billed = every invoice line whose charge period starts in the
-- month ('other' lines included); allocated and estimated = sums over the month's requests;
-- unallocated = billed - allocated; coverage = allocated / billed; margin = revenue - (allocated + estimated);
-- margin_after_all_spend = revenue - billed - estimated (the unallocated spend charged too).
-- unpriced_requests = the requests with token usage that neither an invoice line nor a price covers (each group's
-- requests used the same usage types, so a group's requests are all unpriced or none). One pass over group_cost.
-- Parameters: 1 first instant of the month 'YYYY-MM-DD', 2 of the next month; 3 and 4 the same as dt bounds;
-- 5 the month 'YYYY-MM'.
WITH billed AS (
  SELECT sum(billed_cost) AS billed, count(*) AS invoice_lines
  FROM cost_lines
  WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
),
groups AS (
  SELECT
    sum(allocated_cost) AS allocated,
    sum(estimated_cost) AS estimated,
    max(CASE WHEN unpriced AND nonzero_usage IS NOT NULL THEN requests ELSE 0 END) AS unpriced_requests
  FROM group_cost
  WHERE dt >= ? AND dt < ?
  GROUP BY
    dt, hour, provider, model, service_tier, context_tier, feature, cohort, status, prompt_id, prompt_version,
    nonzero_usage
),
requests AS (
  SELECT sum(allocated) AS allocated, sum(estimated) AS estimated, sum(unpriced_requests) AS unpriced_requests
  FROM groups
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
    coalesce(r.unpriced_requests, 0) AS unpriced_requests,
    coalesce(b.invoice_lines, 0) AS invoice_lines
  FROM billed b CROSS JOIN requests r CROSS JOIN revenue v
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
