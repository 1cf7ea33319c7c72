-- run_cost_hourly: each run's usage per UTC hour, model and pricing key (run_usage_hourly) with what it cost: its
-- quantity × the unit costs of that hour and key (hourly_rates), allocated where an invoice bucket covers the hour,
-- else estimated at the list price, as group_cost costs the groups. What reports/runs.sql sums. Filter on dt:
-- Athena then reads only those days' rollups.
CREATE OR REPLACE VIEW run_cost_hourly AS
SELECT
  u.dt, u.hour, u.trace_id, u.model, u.provider, u.price_model, u.usage_type, u.service_tier, u.context_tier,
  u.requests, u.quantity, u.first_ts, u.last_ts, u.day_first_ts, u.day_first_event_id, u.day_first_feature,
  u.day_first_model,
  u.quantity * r.unit_allocated AS allocated_cost,
  u.quantity * r.unit_estimated AS estimated_cost
FROM run_usage_hourly u
JOIN hourly_rates r
  ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
  AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
