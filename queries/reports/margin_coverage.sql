-- margin_coverage: what a month holds, per provider (docs/contracts.md §7): its requests and their first and last
-- day, its invoice lines and what they bill. A provider with requests and no invoice line, or invoice lines and no
-- request, is a warning of the margin report (its costs are estimates, or its spend is wholly unallocated); so are
-- requests with output but no input tokens (a stream that ended before the provider reported its usage: their input
-- is not costed) and requests whose input tokens the app estimated (tag input_tokens = 'estimated').
-- Parameters: 1 first day of the month 'YYYY-MM-DD', 2 first day of the next month (dt bounds); 3 and 4 the same
-- as the first instants of the two months.
WITH requests AS (
  -- nonzero_usage 16: output and no input at all (no input, cache read or cache write tokens).
  SELECT
    provider, sum(requests) AS requests, min(dt) AS first_day, max(dt) AS last_day,
    sum(CASE WHEN nonzero_usage = 16 THEN requests ELSE 0 END) AS without_input,
    sum(estimated_input_requests) AS estimated_input
  FROM usage_hourly
  WHERE dt >= ? AND dt < ?
  GROUP BY provider
),
invoices AS (
  SELECT provider, count(*) AS invoice_lines, sum(billed_cost) AS billed
  FROM cost_lines
  WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
  GROUP BY provider
)
SELECT
  coalesce(r.provider, i.provider) AS provider,
  coalesce(r.requests, 0) AS requests,
  r.first_day,
  r.last_day,
  coalesce(r.without_input, 0) AS without_input,
  coalesce(r.estimated_input, 0) AS estimated_input,
  coalesce(i.invoice_lines, 0) AS invoice_lines,
  coalesce(i.billed, 0) AS billed
FROM requests r
FULL OUTER JOIN invoices i ON i.provider = r.provider
ORDER BY 1
