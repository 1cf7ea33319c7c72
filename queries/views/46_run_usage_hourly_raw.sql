-- run_usage_hourly_raw: the usage of the deduplicated requests that carry a trace_id (a run: an agent's or a cascade's
-- calls), per UTC hour, run, model (an alias resolved to its snapshot) and pricing key — the shape of the
-- rollup_run_usage table (docs/rollups.md). `quantity` is tokens, or calls for a tool; `requests` the requests with a
-- row of that usage type (every request has its output row); first_ts and last_ts bound their starts.
-- A run's first request decides its feature and the model an escalation is measured from (docs/contracts.md §7);
-- a run can span days, so each row also names the run's first request of that UTC day (ts, then event_id, break
-- ties): day_first_ts, day_first_event_id, day_first_feature, day_first_model. The report takes the earliest of them
-- over the days it reads. (Window functions over the one reading of request_usage, rather than a join to a second
-- reading: the engines bind the view's chain once.)
CREATE OR REPLACE VIEW run_usage_hourly_raw AS
WITH traced AS (
  SELECT
    u.*,
    first_value(u.ts) OVER (PARTITION BY u.dt, u.trace_id ORDER BY u.ts, u.event_id) AS day_first_ts,
    first_value(u.event_id) OVER (PARTITION BY u.dt, u.trace_id ORDER BY u.ts, u.event_id) AS day_first_event_id,
    first_value(u.feature) OVER (PARTITION BY u.dt, u.trace_id ORDER BY u.ts, u.event_id) AS day_first_feature,
    first_value(u.model) OVER (PARTITION BY u.dt, u.trace_id ORDER BY u.ts, u.event_id) AS day_first_model
  FROM request_usage u
  WHERE u.trace_id IS NOT NULL
)
SELECT
  date_trunc('hour', ts) AS hour, trace_id, model, provider, price_model, usage_type, service_tier, context_tier,
  count(*) AS requests,
  sum(CAST(tokens AS BIGINT)) AS quantity,
  min(ts) AS first_ts,
  max(ts) AS last_ts,
  day_first_ts, day_first_event_id, day_first_feature, day_first_model,
  dt
FROM traced
WHERE tokens <> 0 OR usage_type = 'output'
GROUP BY
  dt, date_trunc('hour', ts), trace_id, model, provider, price_model, usage_type, service_tier, context_tier,
  day_first_ts, day_first_event_id, day_first_feature, day_first_model
