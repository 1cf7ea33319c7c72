-- lake_extent: what the lake holds, for the message of a report month without requests or invoices: the first and
-- last day with requests (searched within a window around the month, as every scan of the events is bounded by
-- dt), the first and last invoice charge period start, and the first and last revenue month.
-- Parameters: 1 first day of the window 'YYYY-MM-DD', 2 the day after its last (dt bounds).
WITH days AS (
  SELECT min(dt) AS first_day, max(dt) AS last_day, count(*) AS requests
  FROM events_dedup
  WHERE dt >= ? AND dt < ?
),
invoices AS (
  SELECT
    CAST(min(charge_period_start) AS VARCHAR) AS first_invoice,
    CAST(max(charge_period_start) AS VARCHAR) AS last_invoice,
    count(*) AS invoice_lines
  FROM cost_lines
),
revenue AS (
  SELECT min(month) AS first_revenue_month, max(month) AS last_revenue_month FROM revenue_effective
)
SELECT
  d.first_day, d.last_day, d.requests, i.first_invoice, i.last_invoice, i.invoice_lines,
  v.first_revenue_month, v.last_revenue_month
FROM days d
CROSS JOIN invoices i
CROSS JOIN revenue v
