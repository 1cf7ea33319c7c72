-- hourly_rates: what a unit of each usage type cost in each UTC hour, per pricing key that had usage then
-- (hourly_usage): `in_bucket` when an invoice bucket of the key covers the hour, with the bucket's `unit_cost`
-- (bucket_reconciliation); `list_price` (USD per million) of the key at that hour — a tier without a price row: the
-- standard/standard price of the provider, model and usage type — null when the price book has none. The cost of
-- one unit: `unit_allocated` (the bucket's unit cost, in a bucket) and `unit_estimated` (the list price per unit,
-- outside one; 0 without a price), which group_cost and the margin report multiply quantities by; and the hour's
-- `quantity` of the key so costed (`allocated_cost`, `estimated_cost`): costs are linear in the quantity, so these
-- are the sums of the hour's group costs, for totals that need no group.
-- `unpriced_bit` is the usage type's bit of nonzero_usage (1 input, 2 cache_read, 4 cache_write, 8 cache_write_1h,
-- 16 output) when the type is a token type neither a bucket nor a price covers, else 0: a group of usage_hourly is
-- unpriced when it used such a type. Looked up once per key and hour, and joined to the groups by equality.
-- A price's open end (valid_to null) is compared as a far-off instant rather than with `valid_to IS NULL OR`: the
-- OR made DuckDB join every hour to every price row in a nested loop, where equalities and two bounds hash
-- (docs/benchmarks.md, margin).
CREATE OR REPLACE VIEW hourly_rates AS
SELECT
  rates.*,
  rates.quantity * rates.unit_allocated AS allocated_cost,
  rates.quantity * rates.unit_estimated AS estimated_cost
FROM (
  SELECT
    k.dt, k.hour, k.provider, k.price_model, k.usage_type, k.service_tier, k.context_tier,
    r.provider IS NOT NULL AS in_bucket,
    r.unit_cost,
    coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens) AS list_price,
    CASE WHEN r.provider IS NOT NULL THEN coalesce(r.unit_cost, 0) ELSE 0 END AS unit_allocated,
    CASE
      WHEN r.provider IS NOT NULL THEN 0
      ELSE coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens, 0) / 1000000.0
    END AS unit_estimated,
    k.quantity,
    CASE
      WHEN r.provider IS NOT NULL OR coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens) IS NOT NULL THEN 0
      WHEN k.usage_type = 'input' THEN 1
      WHEN k.usage_type = 'cache_read' THEN 2
      WHEN k.usage_type = 'cache_write' THEN 4
      WHEN k.usage_type = 'cache_write_1h' THEN 8
      WHEN k.usage_type = 'output' THEN 16
      ELSE 0
    END AS unpriced_bit
  FROM hourly_usage k
  LEFT JOIN bucket_reconciliation r
    ON r.provider = k.provider AND r.model = k.price_model AND r.usage_type = k.usage_type
    AND r.service_tier = k.service_tier AND r.context_tier = k.context_tier
    AND k.hour >= r.charge_period_start AND k.hour < r.charge_period_end
  LEFT JOIN price_book p
    ON p.provider = k.provider AND p.model = k.price_model AND p.usage_type = k.usage_type
    AND p.service_tier = k.service_tier AND p.context_tier = k.context_tier
    AND p.valid_from <= k.hour AND k.hour < coalesce(p.valid_to, TIMESTAMP '9999-12-31 00:00:00')
  LEFT JOIN price_book s
    ON s.provider = k.provider AND s.model = k.price_model AND s.usage_type = k.usage_type
    AND s.service_tier = 'standard' AND s.context_tier = 'standard'
    AND s.valid_from <= k.hour AND k.hour < coalesce(s.valid_to, TIMESTAMP '9999-12-31 00:00:00')
) rates
