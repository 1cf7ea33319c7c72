-- runs: per feature over a range of UTC days (docs/contracts.md §7), from the daily rollups. A run is the requests
-- in the range that carry one trace_id; it belongs to the feature of its first request (by ts, then event_id), and
-- is escalated when its requests used more than one model (an alias counts as its snapshot). Its cost is its
-- usage per hour and pricing key costed at the unit costs of that hour and key (run_cost_hourly).
-- Percentiles are nearest-rank: the value at position ceil(p × runs) in ascending order.
-- escalation_cost_share = the cost of escalated runs' requests on a model other than their first request's ÷ the
-- cost of all the feature's runs. runs_cost_bin_0 … _11 count the runs per cost band, for the report's distribution
-- chart: below $0.0001, then from each of 0.0001, 0.0003, 0.001, 0.003, … 3 to the next, and $10 or more (the
-- edges are RUN_COST_EDGES in src/reports/runs-report.ts).
-- Runaways, in the same pass: runs of two requests or more whose cost is more than 0 and at least a factor × their
-- feature's cost_per_run p50. A single request is not a run that ran away (with OpenTelemetry every traced request
-- is a trace of its own, and a feature that routes some requests to a dearer model would flag each of them); a
-- feature most of whose runs cost nothing flags its costed runs, not every run. Each feature's row comes once per
-- runaway run and model it used (runaway_* columns; null when the feature has none), costliest run first.
-- Parameters: 1 first day 'YYYY-MM-DD', 2 the day after the last, 3 the runaway factor.
WITH usage AS (
  SELECT
    trace_id, model, usage_type, requests, allocated_cost, estimated_cost,
    first_ts, last_ts, day_first_ts, day_first_event_id, day_first_feature, day_first_model
  FROM run_cost_hourly
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
    sum(u.allocated_cost) + sum(u.estimated_cost) AS cost
  FROM usage u
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
ranked AS (
  SELECT
    feature, requests, cost, models, escalation_cost,
    count(*) OVER (PARTITION BY feature) AS runs,
    row_number() OVER (PARTITION BY feature ORDER BY requests) AS requests_position,
    row_number() OVER (PARTITION BY feature ORDER BY cost) AS cost_position
  FROM runs
),
stats AS (
  SELECT
    feature,
    max(runs) AS runs,
    max(CASE WHEN requests_position = ceil(runs * 50 / 100.0) THEN requests END) AS requests_per_run_p50,
    max(CASE WHEN requests_position = ceil(runs * 95 / 100.0) THEN requests END) AS requests_per_run_p95,
    max(CASE WHEN cost_position = ceil(runs * 50 / 100.0) THEN cost END) AS cost_per_run_p50,
    max(CASE WHEN cost_position = ceil(runs * 95 / 100.0) THEN cost END) AS cost_per_run_p95,
    max(cost) AS cost_per_run_max,
    sum(CASE WHEN models > 1 THEN 1 ELSE 0 END) AS escalated_runs,
    sum(escalation_cost) / nullif(sum(cost), 0) AS escalation_cost_share,
    sum(CASE WHEN cost < 0.0001 THEN 1 ELSE 0 END) AS runs_cost_bin_0,
    sum(CASE WHEN cost >= 0.0001 AND cost < 0.0003 THEN 1 ELSE 0 END) AS runs_cost_bin_1,
    sum(CASE WHEN cost >= 0.0003 AND cost < 0.001 THEN 1 ELSE 0 END) AS runs_cost_bin_2,
    sum(CASE WHEN cost >= 0.001 AND cost < 0.003 THEN 1 ELSE 0 END) AS runs_cost_bin_3,
    sum(CASE WHEN cost >= 0.003 AND cost < 0.01 THEN 1 ELSE 0 END) AS runs_cost_bin_4,
    sum(CASE WHEN cost >= 0.01 AND cost < 0.03 THEN 1 ELSE 0 END) AS runs_cost_bin_5,
    sum(CASE WHEN cost >= 0.03 AND cost < 0.1 THEN 1 ELSE 0 END) AS runs_cost_bin_6,
    sum(CASE WHEN cost >= 0.1 AND cost < 0.3 THEN 1 ELSE 0 END) AS runs_cost_bin_7,
    sum(CASE WHEN cost >= 0.3 AND cost < 1 THEN 1 ELSE 0 END) AS runs_cost_bin_8,
    sum(CASE WHEN cost >= 1 AND cost < 3 THEN 1 ELSE 0 END) AS runs_cost_bin_9,
    sum(CASE WHEN cost >= 3 AND cost < 10 THEN 1 ELSE 0 END) AS runs_cost_bin_10,
    sum(CASE WHEN cost >= 10 THEN 1 ELSE 0 END) AS runs_cost_bin_11
  FROM ranked
  GROUP BY feature
),
run_spans AS (
  SELECT trace_id, min(first_ts) AS first_ts, max(last_ts) AS last_ts FROM usage GROUP BY trace_id
),
runaways AS (
  -- one row per runaway run and model it used
  SELECT
    r.feature, r.trace_id, r.requests, r.cost, m.model, m.requests AS model_requests, sp.first_ts, sp.last_ts
  FROM runs r
  JOIN stats p ON p.feature = r.feature
  JOIN model_costs m ON m.trace_id = r.trace_id
  JOIN run_spans sp ON sp.trace_id = r.trace_id
  WHERE r.requests >= 2 AND r.cost > 0 AND r.cost >= CAST(? AS DOUBLE) * p.cost_per_run_p50
)
SELECT
  s.*,
  w.trace_id AS runaway_trace_id, w.requests AS runaway_requests, w.cost AS runaway_cost, w.model AS runaway_model,
  w.model_requests AS runaway_model_requests, w.first_ts AS runaway_first_ts, w.last_ts AS runaway_last_ts
FROM stats s
LEFT JOIN runaways w ON w.feature = s.feature
ORDER BY s.feature, w.cost DESC, w.trace_id, w.model
