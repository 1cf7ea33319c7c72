-- run_usage_hourly_raw: the usage of the deduplicated requests that carry a trace_id (a run: an agent's or a cascade's
-- calls), per UTC hour, run, model (an alias resolved to its snapshot) and pricing key — the shape of the
-- rollup_run_usage table (docs/rollups.md). `quantity` is tokens, or calls for a tool; `requests` the requests with a
-- row of that usage type (every request has its output row); first_ts and last_ts bound their starts.
-- A run's first request decides its feature and the model an escalation is measured from (docs/contracts.md §7);
-- a run can span days, so each row also names the run's first request of that UTC day (ts, then event_id, break
-- ties): day_first_ts, day_first_event_id, day_first_feature, day_first_model. The report takes the earliest of them
-- over the days it reads.
CREATE OR REPLACE VIEW run_usage_hourly_raw AS
WITH day_firsts AS (
  SELECT dt, trace_id, ts AS day_first_ts, event_id AS day_first_event_id, feature AS day_first_feature,
    resolved_model AS day_first_model
  FROM (
    SELECT
      dt, trace_id, ts, event_id, feature, resolved_model,
      row_number() OVER (PARTITION BY dt, trace_id ORDER BY ts, event_id) AS position
    FROM events_resolved
    WHERE trace_id IS NOT NULL
  ) ranked
  WHERE position = 1
)
SELECT
  date_trunc('hour', u.ts) AS hour, u.trace_id, u.model, u.provider, u.price_model, u.usage_type, u.service_tier,
  u.context_tier,
  count(*) AS requests,
  sum(CAST(u.tokens AS BIGINT)) AS quantity,
  min(u.ts) AS first_ts,
  max(u.ts) AS last_ts,
  f.day_first_ts, f.day_first_event_id, f.day_first_feature, f.day_first_model,
  u.dt
FROM request_usage u
JOIN day_firsts f ON f.dt = u.dt AND f.trace_id = u.trace_id
WHERE u.trace_id IS NOT NULL AND (u.tokens <> 0 OR u.usage_type = 'output')
GROUP BY
  u.dt, date_trunc('hour', u.ts), u.trace_id, u.model, u.provider, u.price_model, u.usage_type, u.service_tier,
  u.context_tier, f.day_first_ts, f.day_first_event_id, f.day_first_feature, f.day_first_model
