-- request_cost: what each request's usage of each usage type cost, for drilling down to single requests (the
-- reports read group_cost, its sum per group). Where an invoice bucket of its pricing key covers the UTC hour the
-- request started in, the bucket's unit cost (allocated); where none does, the list price of its pricing key at the
-- request's time — a tier without a price row: the standard/standard price of the provider, model and usage type
-- (estimated) — or 0 and `unpriced` when the price book has no price either.
CREATE OR REPLACE VIEW request_cost AS
SELECT
  u.event_id, u.ts, u.dt, u.provider, u.model, u.feature, u.cohort, u.customer_id, u.user_hash, u.status,
  u.delivered_output_tokens, u.usage_type, u.service_tier, u.context_tier, u.tokens, u.trace_id,
  r.unit_cost,
  CASE WHEN r.provider IS NOT NULL THEN u.tokens * coalesce(r.unit_cost, 0) ELSE 0 END AS allocated_cost,
  CASE
    WHEN r.provider IS NULL
      THEN u.tokens * coalesce(p.usd_per_million_tokens, s.usd_per_million_tokens, 0) / 1000000.0
    ELSE 0
  END AS estimated_cost,
  (r.provider IS NULL AND p.usd_per_million_tokens IS NULL AND s.usd_per_million_tokens IS NULL AND u.tokens > 0)
    AS unpriced
FROM request_usage u
LEFT JOIN bucket_reconciliation r
  ON r.provider = u.provider AND r.model = u.price_model AND r.usage_type = u.usage_type
  AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
  AND date_trunc('hour', u.ts) >= r.charge_period_start AND date_trunc('hour', u.ts) < r.charge_period_end
LEFT JOIN price_book p
  ON p.provider = u.provider AND p.model = u.price_model AND p.usage_type = u.usage_type
  AND p.service_tier = u.service_tier AND p.context_tier = u.context_tier
  AND p.valid_from <= u.ts AND (p.valid_to IS NULL OR u.ts < p.valid_to)
LEFT JOIN price_book s
  ON s.provider = u.provider AND s.model = u.price_model AND s.usage_type = u.usage_type
  AND s.service_tier = 'standard' AND s.context_tier = 'standard'
  AND s.valid_from <= u.ts AND (s.valid_to IS NULL OR u.ts < s.valid_to)
