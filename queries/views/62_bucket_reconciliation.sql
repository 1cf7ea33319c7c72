-- bucket_reconciliation: the allocation rule (docs/contracts.md §6), one row per invoice bucket of token and tool
-- lines: (provider, model, usage type, service tier, context tier, charge period); for tool:<name> lines the model
-- is '*' (providers bill tool calls across models) and the tiers standard.
--   billed B = the bucket's lines summed; telemetry T = the bucket's quantity (tokens; calls for tools) in the
--   deduplicated events with the same pricing key (hourly_usage, from the hourly rollups), matched to the charge period by the UTC hour the request started in;
--   quantity Q = the invoice's consumed quantity, else B ÷ the list price of the same key at the period start
--   (a tier without a price row: the standard/standard price of the provider, model and usage type), else unknown;
--   unit cost c = B ÷ max(Q, T) when Q is known, else B ÷ T; allocated = c·T; unallocated = B − c·T.
-- Lines of usage type 'other' are not buckets: they are unallocated by definition (see margin totals), as are
-- token lines without a model. A bucket whose billed amount is zero or negative (a credit) allocates nothing.
CREATE OR REPLACE VIEW bucket_reconciliation AS
WITH keyed_lines AS (
  SELECT
    provider,
    CASE WHEN usage_type LIKE 'tool:%' THEN '*' ELSE model END AS model,
    usage_type,
    CASE WHEN usage_type LIKE 'tool:%' THEN 'standard' ELSE service_tier END AS service_tier,
    CASE WHEN usage_type LIKE 'tool:%' THEN 'standard' ELSE context_tier END AS context_tier,
    charge_period_start, charge_period_end, billed_cost, consumed_quantity
  FROM cost_lines
  WHERE usage_type <> 'other' AND (model IS NOT NULL OR usage_type LIKE 'tool:%')
),
buckets AS (
  SELECT
    provider, model, usage_type, service_tier, context_tier, charge_period_start, charge_period_end,
    sum(billed_cost) AS billed,
    CASE WHEN count(consumed_quantity) = count(*) THEN sum(consumed_quantity) END AS invoice_quantity,
    count(*) AS invoice_lines
  FROM keyed_lines
  GROUP BY provider, model, usage_type, service_tier, context_tier, charge_period_start, charge_period_end
),
telemetry AS (
  SELECT
    b.provider, b.model, b.usage_type, b.service_tier, b.context_tier, b.charge_period_start,
    b.charge_period_end, sum(u.quantity) AS tokens
  FROM buckets b
  JOIN hourly_usage u
    ON u.provider = b.provider AND u.price_model = b.model AND u.usage_type = b.usage_type
    AND u.service_tier = b.service_tier AND u.context_tier = b.context_tier
    AND u.hour >= b.charge_period_start AND u.hour < b.charge_period_end
  GROUP BY
    b.provider, b.model, b.usage_type, b.service_tier, b.context_tier, b.charge_period_start, b.charge_period_end
),
quantities AS (
  SELECT
    b.*,
    coalesce(t.tokens, 0) AS telemetry_quantity,
    coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens) AS list_price,
    coalesce(
      b.invoice_quantity,
      b.billed / (nullif(coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens), 0) / 1000000.0)
    ) AS quantity
  FROM buckets b
  LEFT JOIN telemetry t
    ON t.provider = b.provider AND t.model = b.model AND t.usage_type = b.usage_type
    AND t.service_tier = b.service_tier AND t.context_tier = b.context_tier
    AND t.charge_period_start = b.charge_period_start AND t.charge_period_end = b.charge_period_end
  LEFT JOIN price_book p
    ON p.provider = b.provider AND p.model = b.model AND p.usage_type = b.usage_type
    AND p.service_tier = b.service_tier AND p.context_tier = b.context_tier
    AND p.valid_from <= b.charge_period_start AND (p.valid_to IS NULL OR b.charge_period_start < p.valid_to)
  LEFT JOIN price_book s
    ON s.provider = b.provider AND s.model = b.model AND s.usage_type = b.usage_type
    AND s.service_tier = 'standard' AND s.context_tier = 'standard'
    AND s.valid_from <= b.charge_period_start AND (s.valid_to IS NULL OR b.charge_period_start < s.valid_to)
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
  provider, model, usage_type, service_tier, context_tier, charge_period_start, charge_period_end,
  invoice_lines, billed, invoice_quantity, list_price, quantity, telemetry_quantity, unit_cost,
  coalesce(unit_cost * telemetry_quantity, 0) AS allocated,
  billed - coalesce(unit_cost * telemetry_quantity, 0) AS unallocated
FROM costed
