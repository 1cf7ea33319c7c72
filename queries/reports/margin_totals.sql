-- margin_totals: the month's totals (docs/contracts.md §7). billed = every invoice line whose charge period starts in the
-- month ('other' lines included); allocated and estimated = sums over the month's requests;
-- unallocated = billed - allocated; coverage = allocated / billed; margin = revenue - (allocated + estimated);
-- margin_after_all_spend = revenue - billed - estimated (the unallocated spend charged too).
-- Parameters: 1 first instant of the month 'YYYY-MM-DD', 2 of the next month; 3 and 4 the same as dt bounds;
-- 5 the month 'YYYY-MM'.
WITH billed AS (
  SELECT sum(billed_cost) AS billed, count(*) AS invoice_lines
  FROM cost_lines
  WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
),
requests AS (
  SELECT
    sum(allocated_cost) AS allocated,
    sum(estimated_cost) AS estimated,
    count(DISTINCT CASE WHEN unpriced THEN event_id END) AS unpriced_requests
  FROM request_cost
  WHERE dt >= ? AND dt < ?
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
