-- prompt_latencies_hourly_raw: the deduplicated requests of each prompt (every version) counted per UTC hour and
-- latency, the shape of the rollup_prompt_latencies table. Summing `requests` per latency over any run of whole
-- hours gives that run's latencies, so a percentile of them (deploy_change.sql's p95) is the one the requests
-- themselves give. Latencies are kept to whole milliseconds below 1 s and to 3 significant digits above
-- (1,234.5 ms counts as 1,230): a client measures fractions of a millisecond, and without rounding every request
-- would be a row of its own; with it, a prompt has at most about 1,000 + 900 per decade distinct values an hour,
-- and a percentile is off the raw one by at most 0.5 ms or 0.5 %. Requests without a latency are left out (they
-- have no place in a percentile).
CREATE OR REPLACE VIEW prompt_latencies_hourly_raw AS
WITH rounded AS (
  SELECT
    dt, date_trunc('hour', ts) AS hour, prompt_id,
    CASE
      WHEN latency_ms < 999.5 THEN round(latency_ms)
      WHEN latency_ms < 9995 THEN round(latency_ms, -1)
      WHEN latency_ms < 99950 THEN round(latency_ms, -2)
      WHEN latency_ms < 999500 THEN round(latency_ms, -3)
      ELSE round(latency_ms, -4)
    END AS latency_ms
  FROM events_dedup
  WHERE prompt_id IS NOT NULL AND latency_ms IS NOT NULL
)
SELECT hour, prompt_id, latency_ms, count(*) AS requests, dt
FROM rounded
GROUP BY dt, hour, prompt_id, latency_ms
