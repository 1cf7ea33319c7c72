-- customer_usage_hourly: customer_usage_hourly_raw's rows of every rolled-up day, from the day's current roll (as
-- usage_hourly).
CREATE OR REPLACE VIEW customer_usage_hourly AS
SELECT
  c.hour, c.customer_id, c.provider, c.price_model, c.usage_type, c.service_tier, c.context_tier, c.requests,
  c.quantity, c.dt
FROM rollup_customer_usage c
JOIN rolled_days d ON d.dt = c.dt AND d.roll_id = c.roll_id
