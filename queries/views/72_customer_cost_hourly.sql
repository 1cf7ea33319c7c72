-- customer_cost_hourly: each customer's usage per UTC hour and pricing key (customer_usage_hourly) with what it cost:
-- its quantity × the unit costs of that hour and key (hourly_rates), allocated where an invoice bucket covers the
-- hour, else estimated at the list price, as group_cost costs the groups. What reports/customers.sql and
-- alerts_customers.sql sum. Filter on dt: Athena then reads only those days' rollups.
CREATE OR REPLACE VIEW customer_cost_hourly AS
SELECT
  u.dt, u.hour, u.customer_id, u.provider, u.price_model, u.usage_type, u.service_tier, u.context_tier,
  u.requests, u.quantity,
  u.quantity * r.unit_allocated AS allocated_cost,
  u.quantity * r.unit_estimated AS estimated_cost
FROM customer_usage_hourly u
JOIN hourly_rates r
  ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
  AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
