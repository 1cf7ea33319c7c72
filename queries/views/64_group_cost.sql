-- group_cost: what each group's usage of each usage type cost (group_usage). Where an invoice bucket of its pricing
-- key covers the group's hour, quantity × the bucket's unit cost (allocated); where none does, quantity × the list
-- price of its pricing key at that hour — a tier without a price row: the standard/standard price of the provider,
-- model and usage type (estimated) — or 0 and `unpriced` when the price book has no price either. Costs are linear
-- in the quantity, so a group's cost is the sum of its requests' costs (request_cost, per request). The bucket and
-- the prices are looked up once per pricing key and hour (hourly_rates), then joined to the groups by equality.
CREATE OR REPLACE VIEW group_cost AS
SELECT
  u.dt, u.hour, u.provider, u.model, u.feature, u.cohort, u.status, u.prompt_id, u.prompt_version, u.nonzero_usage,
  u.requests, u.usage_type,
  u.service_tier, u.context_tier, u.quantity, u.wasted_quantity,
  r.unit_cost,
  u.quantity * r.unit_allocated AS allocated_cost,
  u.quantity * r.unit_estimated AS estimated_cost,
  (NOT r.in_bucket AND r.list_price IS NULL AND u.quantity > 0) AS unpriced
FROM group_usage u
JOIN hourly_rates r
  ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
  AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
