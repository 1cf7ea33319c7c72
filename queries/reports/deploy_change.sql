-- deploy_change: what one prompt deploy changed (governance report, issue 5): the prompt's requests, every
-- version of it, in the 24 h before and the 24 h after deployed_at, one row per window ('before', then 'after',
-- both always there): requests, cost_per_request (allocated + estimated, docs/contracts.md §7), error_rate,
-- cancel_rate and p95_latency_ms; each ratio null without requests, p95 null without latencies.
-- p95_latency_ms is the nearest-rank 95th percentile of the window's latencies (nulls are not values): sorted
-- ascending, the n latencies' value at the 1-based rank k = ceil(0.95 × n), the least k with 100·k >= 95·n (n = 1:
-- the one value; n = 20: the 19th; n = 21: the 20th). Tied latencies are equal, so which tied row holds rank k
-- does not matter. Computed from row_number() and count() in integer arithmetic rather than approx_percentile,
-- which is approximate in Athena: both engines give the same value, one of the latencies.
-- before = [deployed_at - 24 h, deployed_at), after = [deployed_at, deployed_at + 24 h).
-- Parameters (Athena takes them in WHERE clauses only, so each window is a branch of its own): 1 prompt_id;
-- 2 and 3 the first and last dt the windows touch 'YYYY-MM-DD' (inclusive); 4 deployed_at - 24 h;
-- 5 deployed_at; 6-8 the same as 1-3; 9 deployed_at; 10 deployed_at + 24 h; 11 and 12 the same as 2 and 3.
-- Instants are UTC 'YYYY-MM-DD HH:MM:SS.fff', cast as ts is. Filtering on dt lets Athena read only those
-- days' partitions.
WITH prompt_events AS (
  SELECT event_id, dt, status, latency_ms, 'before' AS window_name
  FROM events_dedup
  WHERE prompt_id = ? AND dt >= ? AND dt <= ?
    AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP)
  UNION ALL
  SELECT event_id, dt, status, latency_ms, 'after' AS window_name
  FROM events_dedup
  WHERE prompt_id = ? AND dt >= ? AND dt <= ?
    AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP)
),
ranked_events AS (
  SELECT
    e.*,
    row_number() OVER (PARTITION BY window_name ORDER BY latency_ms ASC NULLS LAST) AS latency_rank,
    count(latency_ms) OVER (PARTITION BY window_name) AS latencies
  FROM prompt_events e
),
event_costs AS (
  SELECT event_id, dt, sum(allocated_cost + estimated_cost) AS cost
  FROM request_cost
  WHERE dt >= ? AND dt <= ? AND event_id IN (SELECT event_id FROM prompt_events)
  GROUP BY event_id, dt
),
measured AS (
  SELECT
    e.window_name,
    count(*) AS requests,
    sum(coalesce(c.cost, 0)) AS cost,
    count_if(e.status = 'error') AS error_requests,
    count_if(e.status = 'cancelled') AS cancelled_requests,
    max(
      CASE
        WHEN e.latency_ms IS NOT NULL AND 100 * e.latency_rank >= 95 * e.latencies
          AND 100 * (e.latency_rank - 1) < 95 * e.latencies
          THEN e.latency_ms
      END
    ) AS p95_latency_ms
  FROM ranked_events e
  LEFT JOIN event_costs c ON c.event_id = e.event_id AND c.dt = e.dt
  GROUP BY e.window_name
)
SELECT
  w.window_name,
  coalesce(m.requests, 0) AS requests,
  m.cost / nullif(m.requests, 0) AS cost_per_request,
  CAST(m.error_requests AS DOUBLE) / nullif(m.requests, 0) AS error_rate,
  CAST(m.cancelled_requests AS DOUBLE) / nullif(m.requests, 0) AS cancel_rate,
  m.p95_latency_ms
FROM (VALUES ('before', 1), ('after', 2)) AS w (window_name, window_order)
LEFT JOIN measured m ON m.window_name = w.window_name
ORDER BY w.window_order
