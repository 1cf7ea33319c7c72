-- reconciliation: the month's invoice buckets (docs/contracts.md §6) by service tier and context tier: billed, invoice
-- and telemetry quantities, unit cost, allocated and unallocated; then the month's lines that are no bucket
-- ('other', and token lines without a model), unallocated by definition.
-- Parameters: 1 and 3 first instant of the month 'YYYY-MM-DD', 2 and 4 of the next month.
SELECT
  provider, model, usage_type, service_tier, context_tier, charge_period_start, charge_period_end, invoice_lines,
  billed, invoice_quantity, list_price, quantity, telemetry_quantity, unit_cost, allocated, unallocated
FROM bucket_reconciliation
WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
UNION ALL
SELECT
  provider, coalesce(model, sku) AS model, usage_type, service_tier, context_tier, charge_period_start,
  charge_period_end, 1 AS invoice_lines, billed_cost AS billed, consumed_quantity AS invoice_quantity,
  NULL AS list_price, NULL AS quantity, 0 AS telemetry_quantity, NULL AS unit_cost, 0 AS allocated,
  billed_cost AS unallocated
FROM cost_lines
WHERE (usage_type = 'other' OR (model IS NULL AND usage_type NOT LIKE 'tool:%'))
  AND charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
ORDER BY provider, model, usage_type, service_tier, context_tier, charge_period_start
