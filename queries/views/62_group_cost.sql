-- group_cost: what each group's usage of each usage type cost (group_usage). Where an invoice bucket of its pricing
-- key covers the group's hour, quantity × the bucket's unit cost (allocated); where none does, quantity × the list
-- price of its pricing key at that hour — a tier without a price row: the standard/standard price of the provider,
-- model and usage type (estimated) — or 0 and `unpriced` when the price book has no price either. Costs are linear
-- in the quantity, so a group's cost is the sum of its requests' costs (request_cost, per request).
CREATE OR REPLACE VIEW group_cost AS
SELECT
  u.dt, u.hour, u.provider, u.model, u.feature, u.cohort, u.status, u.nonzero_usage, u.requests, u.usage_type, u.service_tier, u.context_tier, u.quantity, u.wasted_quantity,
  r.unit_cost,
  CASE WHEN r.provider IS NOT NULL THEN u.quantity * coalesce(r.unit_cost, 0) ELSE 0 END AS allocated_cost,
  CASE
    WHEN r.provider IS NULL
      THEN u.quantity * coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens, 0) / 1000000.0
    ELSE 0
  END AS estimated_cost,
  (r.provider IS NULL AND p.usd_per_million_tokens IS NULL AND s.usd_per_million_tokens IS NULL AND u.quantity > 0)
    AS unpriced
FROM group_usage u
LEFT JOIN bucket_reconciliation r
  ON r.provider = u.provider AND r.model = u.price_model AND r.usage_type = u.usage_type
  AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
  AND u.hour >= r.charge_period_start AND u.hour < r.charge_period_end
LEFT JOIN price_book p
  ON p.provider = u.provider AND p.model = u.price_model AND p.usage_type = u.usage_type
  AND p.service_tier = u.service_tier AND p.context_tier = u.context_tier
  AND p.valid_from <= u.hour AND (p.valid_to IS NULL OR u.hour < p.valid_to)
LEFT JOIN price_book s
  ON s.provider = u.provider AND s.model = u.price_model AND s.usage_type = u.usage_type
  AND s.service_tier = 'standard' AND s.context_tier = 'standard'
  AND s.valid_from <= u.hour AND (s.valid_to IS NULL OR u.hour < s.valid_to)
