-- bucket_reconciliation: the allocation rule (docs/contracts.md §6), one row per invoice bucket
-- (provider, model, usage type, charge period) of token lines:
--   billed B = the bucket's lines summed; telemetry T = the bucket's tokens in the deduplicated events;
--   quantity Q = the invoice's consumed quantity, else B ÷ the list price at the period start, else unknown;
--   unit cost c = B ÷ max(Q, T) when Q is known, else B ÷ T; allocated = c·T; unallocated = B − c·T.
-- Lines of usage type 'other' are not buckets: they are unallocated by definition (see margin totals). A bucket
-- whose billed amount is zero or negative (a credit) allocates nothing.
CREATE OR REPLACE VIEW bucket_reconciliation AS
WITH buckets AS (
  SELECT
    provider, model, usage_type, charge_period_start, charge_period_end,
    sum(billed_cost) AS billed,
    CASE WHEN count(consumed_quantity) = count(*) THEN sum(consumed_quantity) END AS invoice_quantity,
    count(*) AS invoice_lines
  FROM cost_lines
  WHERE usage_type <> 'other' AND model IS NOT NULL
  GROUP BY provider, model, usage_type, charge_period_start, charge_period_end
),
telemetry AS (
  SELECT b.provider, b.model, b.usage_type, b.charge_period_start, b.charge_period_end, sum(u.tokens) AS tokens
  FROM buckets b
  JOIN request_usage u
    ON u.provider = b.provider AND u.model = b.model AND u.usage_type = b.usage_type
    AND u.ts >= b.charge_period_start AND u.ts < b.charge_period_end
  GROUP BY b.provider, b.model, b.usage_type, b.charge_period_start, b.charge_period_end
),
quantities AS (
  SELECT
    b.*,
    coalesce(t.tokens, 0) AS telemetry_quantity,
    p.usd_per_million_tokens AS list_price,
    coalesce(b.invoice_quantity, b.billed / (nullif(p.usd_per_million_tokens, 0) / 1000000.0)) AS quantity
  FROM buckets b
  LEFT JOIN telemetry t
    ON t.provider = b.provider AND t.model = b.model AND t.usage_type = b.usage_type
    AND t.charge_period_start = b.charge_period_start AND t.charge_period_end = b.charge_period_end
  LEFT JOIN price_book p
    ON p.provider = b.provider AND p.model = b.model AND p.usage_type = b.usage_type
    AND p.valid_from <= b.charge_period_start AND (p.valid_to IS NULL OR b.charge_period_start < p.valid_to)
),
costed AS (
  SELECT
    q.*,
    CASE
      -- A bucket that bills nothing or credits money allocates nothing: its amount stays unallocated.
      WHEN q.billed <= 0 THEN NULL
      WHEN q.quantity IS NOT NULL THEN q.billed / nullif(greatest(q.quantity, q.telemetry_quantity), 0)
      ELSE q.billed / nullif(q.telemetry_quantity, 0)
    END AS unit_cost
  FROM quantities q
)
SELECT
  provider, model, usage_type, charge_period_start, charge_period_end, invoice_lines, billed,
  invoice_quantity, list_price, quantity, telemetry_quantity, unit_cost,
  coalesce(unit_cost * telemetry_quantity, 0) AS allocated,
  billed - coalesce(unit_cost * telemetry_quantity, 0) AS unallocated
FROM costed
