-- runs_runaways: the runaway runs of a range of UTC days (docs/contracts.md §7): runs of two requests or more whose
-- cost is at least a factor × their feature's cost_per_run p50 (nearest-rank, over all its runs, as reports/runs.sql
-- computes it), and more than 0. A single request is not a run that ran away (with OpenTelemetry every traced
-- request is a trace, and a feature that routes some requests to a dearer model would flag each of them), and a
-- feature most of whose runs cost nothing flags its costed runs, not every run. One row per run and model it used
-- (the report lists a run's models), costliest run first. Runs are built as in reports/runs.sql.
-- Parameters: 1 first day 'YYYY-MM-DD', 2 the day after the last, 3 and 4 the same, 5 the factor.
WITH usage AS (
  SELECT
    dt, hour, trace_id, model, provider, price_model, usage_type, service_tier, context_tier, requests, quantity,
    first_ts, last_ts, day_first_ts, day_first_event_id, day_first_feature, day_first_model
  FROM run_usage_hourly
  WHERE dt >= ? AND dt < ?
),
rates AS (
  SELECT dt, hour, provider, price_model, usage_type, service_tier, context_tier, unit_allocated, unit_estimated
  FROM hourly_rates
  WHERE dt >= ? AND dt < ?
),
firsts AS (
  -- each run's first request in the range: the earliest of its days' first requests
  SELECT trace_id, day_first_feature AS feature, day_first_model AS first_model
  FROM (
    SELECT
      trace_id, day_first_feature, day_first_model,
      row_number() OVER (PARTITION BY trace_id ORDER BY day_first_ts, day_first_event_id) AS position
    FROM (SELECT DISTINCT trace_id, day_first_ts, day_first_event_id, day_first_feature, day_first_model FROM usage) d
  ) ranked
  WHERE position = 1
),
model_costs AS (
  SELECT
    u.trace_id, u.model,
    sum(CASE WHEN u.usage_type = 'output' THEN u.requests ELSE 0 END) AS requests,
    sum(u.quantity * r.unit_allocated) + sum(u.quantity * r.unit_estimated) AS cost
  FROM usage u
  JOIN rates r
    ON r.dt = u.dt AND r.hour = u.hour AND r.provider = u.provider AND r.price_model = u.price_model
    AND r.usage_type = u.usage_type AND r.service_tier = u.service_tier AND r.context_tier = u.context_tier
  GROUP BY u.trace_id, u.model
),
runs AS (
  SELECT
    f.feature, m.trace_id,
    sum(m.requests) AS requests,
    sum(m.cost) AS cost,
    count(*) AS models,
    sum(CASE WHEN m.model <> f.first_model THEN m.cost ELSE 0 END) AS escalation_cost
  FROM model_costs m
  JOIN firsts f ON f.trace_id = m.trace_id
  GROUP BY f.feature, m.trace_id
),
run_spans AS (
  SELECT trace_id, min(first_ts) AS first_ts, max(last_ts) AS last_ts FROM usage GROUP BY trace_id
),
medians AS (
  SELECT feature, max(CASE WHEN cost_position = ceil(runs * 50 / 100.0) THEN cost END) AS cost_per_run_p50
  FROM (
    SELECT
      feature, cost,
      count(*) OVER (PARTITION BY feature) AS runs,
      row_number() OVER (PARTITION BY feature ORDER BY cost) AS cost_position
    FROM runs
  ) ranked
  GROUP BY feature
)
SELECT
  r.trace_id, r.feature, r.requests, r.cost, m.model, m.requests AS model_requests, s.first_ts, s.last_ts
FROM runs r
JOIN medians p ON p.feature = r.feature
JOIN model_costs m ON m.trace_id = r.trace_id
JOIN run_spans s ON s.trace_id = r.trace_id
WHERE r.requests >= 2 AND r.cost > 0 AND r.cost >= CAST(? AS DOUBLE) * p.cost_per_run_p50
ORDER BY r.cost DESC, r.trace_id, m.model
