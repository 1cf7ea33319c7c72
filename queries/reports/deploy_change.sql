-- deploy_change: one window of what a prompt deploy changed (governance report, docs/contracts.md §7): the prompt's
-- requests, every version of it, in a run of whole UTC hours — the 24 before the hour of deployed_at, or the 24 from
-- the first whole hour at or after it (the report runs this once per window; the hour a deploy falls inside, its
-- traffic part old and part new, belongs to neither unless the deploy is on the hour). One row: requests,
-- cost_per_request (allocated + estimated, docs/contracts.md §7), error_rate, cancel_rate and p95_latency_ms; each
-- ratio null without requests, p95 null without latencies.
-- Read from the hourly rollups: requests and statuses from usage_hourly, costs from group_cost (quantity × unit cost
-- per group, as the margin report), latencies from prompt_latencies_hourly, which counts the requests of each
-- latency (whole milliseconds below 1 s, 3 significant digits above), so the percentile is exact at that
-- precision: the raw requests' p95, rounded the same way.
-- p95_latency_ms is the nearest-rank 95th percentile of the window's latencies (nulls are not values): sorted
-- ascending, the n latencies' value at the 1-based rank k = ceil(0.95 × n), the least k with 100·k >= 95·n (n = 1:
-- the one value; n = 20: the 19th; n = 21: the 20th); that is the least latency that at least k of the latencies are
-- at or below. Integer arithmetic on counts, not approx_percentile (approximate in Athena): both engines give the
-- same value, one of the latencies.
-- Parameters (Athena takes them in WHERE clauses only), three times, for requests, costs and latencies:
-- 1 prompt_id; 2 and 3 the first and last dt of the window 'YYYY-MM-DD' (inclusive); 4 its first hour and 5 the hour
-- after its last, UTC 'YYYY-MM-DD HH:MM:SS'. Filtering on dt lets Athena read only those days' partitions.
WITH usage AS (
  SELECT requests, status
  FROM usage_hourly
  WHERE prompt_id = ? AND dt >= ? AND dt <= ? AND hour >= CAST(? AS TIMESTAMP) AND hour < CAST(? AS TIMESTAMP)
),
costs AS (
  SELECT sum(allocated_cost + estimated_cost) AS cost
  FROM group_cost
  WHERE prompt_id = ? AND dt >= ? AND dt <= ? AND hour >= CAST(? AS TIMESTAMP) AND hour < CAST(? AS TIMESTAMP)
),
latency_counts AS (
  SELECT latency_ms, sum(requests) AS requests
  FROM prompt_latencies_hourly
  WHERE prompt_id = ? AND dt >= ? AND dt <= ? AND hour >= CAST(? AS TIMESTAMP) AND hour < CAST(? AS TIMESTAMP)
  GROUP BY latency_ms
),
cumulative AS (
  SELECT
    latency_ms,
    sum(requests) OVER (ORDER BY latency_ms ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_or_below,
    sum(requests) OVER () AS latencies
  FROM latency_counts
),
p95 AS (
  SELECT min(latency_ms) AS p95_latency_ms FROM cumulative WHERE 100 * at_or_below >= 95 * latencies
),
measured AS (
  SELECT
    sum(requests) AS requests,
    sum(CASE WHEN status = 'error' THEN requests ELSE 0 END) AS error_requests,
    sum(CASE WHEN status = 'cancelled' THEN requests ELSE 0 END) AS cancelled_requests
  FROM usage
)
SELECT
  coalesce(m.requests, 0) AS requests,
  coalesce(c.cost, 0) / nullif(m.requests, 0) AS cost_per_request,
  CAST(m.error_requests AS DOUBLE) / nullif(m.requests, 0) AS error_rate,
  CAST(m.cancelled_requests AS DOUBLE) / nullif(m.requests, 0) AS cancel_rate,
  p.p95_latency_ms
FROM measured m
CROSS JOIN costs c
CROSS JOIN p95 p
