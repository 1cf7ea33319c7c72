-- unpriced_groups: the groups of usage_hourly costed in part at 0, one row each: they used a token usage type that,
-- in their hour, neither an invoice bucket nor a price covers (hourly_rates' unpriced_bit; a group's nonzero_usage
-- has the bits of the types it used). "Unpriced requests" are these groups' requests, each counted once.
-- The bit tests are mod() arithmetic, the same on Athena and DuckDB.
CREATE OR REPLACE VIEW unpriced_groups AS
WITH unpriced_keys AS (
  SELECT dt, hour, provider, price_model, service_tier, context_tier, sum(unpriced_bit) AS unpriced_usage
  FROM hourly_rates
  WHERE unpriced_bit > 0
  GROUP BY dt, hour, provider, price_model, service_tier, context_tier
)
SELECT
  u.dt, u.hour, u.provider, u.model, u.service_tier, u.context_tier, u.feature, u.cohort, u.status, u.prompt_id,
  u.prompt_version, u.nonzero_usage, k.unpriced_usage, u.requests
FROM usage_hourly u
JOIN unpriced_keys k
  ON k.dt = u.dt AND k.hour = u.hour AND k.provider = u.provider AND k.price_model = u.model
  AND k.service_tier = u.service_tier AND k.context_tier = u.context_tier
WHERE (mod(u.nonzero_usage, 2) = 1 AND mod(k.unpriced_usage, 2) = 1)
  OR (mod(u.nonzero_usage, 4) >= 2 AND mod(k.unpriced_usage, 4) >= 2)
  OR (mod(u.nonzero_usage, 8) >= 4 AND mod(k.unpriced_usage, 8) >= 4)
  OR (mod(u.nonzero_usage, 16) >= 8 AND mod(k.unpriced_usage, 16) >= 8)
  OR (u.nonzero_usage >= 16 AND k.unpriced_usage >= 16)
