-- reconciliation_providers: the month's invoices rolled up per provider (the default view of `report
-- reconciliation`, docs/contracts.md §7): invoice lines (buckets' lines and the lines that are no bucket), billed,
-- allocated, unallocated and coverage; and the month's requests of the provider with what was estimated for the
-- ones no invoice line covers (price book).
-- Parameters: 1 and 3 first instant of the month 'YYYY-MM-DD', 2 and 4 of the next month; 5 and 6 the same as dt
-- bounds.
WITH lines AS (
  SELECT provider, invoice_lines, billed, allocated, unallocated
  FROM bucket_reconciliation
  WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
  UNION ALL
  SELECT provider, 1 AS invoice_lines, billed_cost AS billed, 0 AS allocated, billed_cost AS unallocated
  FROM cost_lines
  WHERE (usage_type = 'other' OR (model IS NULL AND usage_type NOT LIKE 'tool:%'))
    AND charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
),
invoiced AS (
  SELECT
    provider, sum(invoice_lines) AS invoice_lines, sum(billed) AS billed, sum(allocated) AS allocated,
    sum(unallocated) AS unallocated
  FROM lines
  GROUP BY provider
),
requests AS (
  SELECT provider, sum(CASE WHEN usage_type = 'output' THEN requests ELSE 0 END) AS requests,
    sum(estimated_cost) AS estimated
  FROM group_cost
  WHERE dt >= ? AND dt < ?
  GROUP BY provider
)
SELECT
  coalesce(i.provider, r.provider) AS provider,
  coalesce(i.invoice_lines, 0) AS invoice_lines,
  coalesce(r.requests, 0) AS requests,
  coalesce(i.billed, 0) AS billed,
  coalesce(i.allocated, 0) AS allocated,
  coalesce(i.unallocated, 0) AS unallocated,
  i.allocated / nullif(i.billed, 0) AS coverage,
  coalesce(r.estimated, 0) AS estimated
FROM invoiced i
FULL OUTER JOIN requests r ON r.provider = i.provider
ORDER BY 1
