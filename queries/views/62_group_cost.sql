-- group_cost: what each group's usage of each usage type cost (group_usage). Where an invoice bucket of its pricing
-- key covers the group's hour, quantity × the bucket's unit cost (allocated); where none does, quantity × the list
-- price of its pricing key at that hour — a tier without a price row: the standard/standard price of the provider,
-- model and usage type (estimated) — or 0 and `unpriced` when the price book has no price either. Costs are linear
-- in the quantity, so a group's cost is the sum of its requests' costs (request_cost, per request). The bucket and
-- the prices are looked up once per pricing key and hour (`rates`), then joined to the groups by equality.
CREATE OR REPLACE VIEW group_cost AS
WITH rates AS (
  SELECT
    k.dt, k.hour, k.provider, k.price_model, k.usage_type, k.service_tier, k.context_tier,
    r.provider IS NOT NULL AS in_bucket,
    r.unit_cost,
    coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens) AS list_price
  FROM (
    SELECT DISTINCT dt, hour, provider, price_model, usage_type, service_tier, context_tier FROM group_usage
  ) k
  LEFT JOIN bucket_reconciliation r
    ON r.provider = k.provider AND r.model = k.price_model AND r.usage_type = k.usage_type
    AND r.service_tier = k.service_tier AND r.context_tier = k.context_tier
    AND k.hour >= r.charge_period_start AND k.hour < r.charge_period_end
  LEFT JOIN price_book p
    ON p.provider = k.provider AND p.model = k.price_model AND p.usage_type = k.usage_type
    AND p.service_tier = k.service_tier AND p.context_tier = k.context_tier
    AND p.valid_from <= k.hour AND (p.valid_to IS NULL OR k.hour < p.valid_to)
  LEFT JOIN price_book s
    ON s.provider = k.provider AND s.model = k.price_model AND s.usage_type = k.usage_type
    AND s.service_tier = 'standard' AND s.context_tier = 'standard'
    AND s.valid_from <= k.hour AND (s.valid_to IS NULL OR k.hour < s.valid_to)
)
SELECT
  u.dt, u.hour, u.provider, u.model, u.feature, u.cohort, u.status, u.prompt_id, u.prompt_version, u.nonzero_usage,
  u.requests, u.usage_type,
  u.service_tier, u.context_tier, u.quantity, u.wasted_quantity,
  r.unit_cost,
  CASE WHEN r.in_bucket THEN u.quantity * coalesce(r.unit_cost, 0) ELSE 0 END AS allocated_cost,
  CASE WHEN r.in_bucket THEN 0 ELSE u.quantity * coalesce(r.list_price, 0) / 1000000.0 END AS estimated_cost,
  (NOT r.in_bucket AND r.list_price IS NULL AND u.quantity > 0) AS unpriced
FROM group_usage u
JOIN rates r
  ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
  AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
