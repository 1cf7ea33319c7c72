-- prompt_latencies_hourly_raw: the deduplicated requests of each prompt (every version) counted per UTC hour and
-- latency, the shape of the rollup_prompt_latencies table. Summing `requests` per latency over any run of whole
-- hours gives that run's latencies exactly, so a percentile of them (deploy_change.sql's p95) is the one the
-- requests themselves give. Requests without a latency are left out (they have no place in a percentile).
CREATE OR REPLACE VIEW prompt_latencies_hourly_raw AS
SELECT
  date_trunc('hour', ts) AS hour, prompt_id, latency_ms, count(*) AS requests, dt
FROM events_dedup
WHERE prompt_id IS NOT NULL AND latency_ms IS NOT NULL
GROUP BY dt, date_trunc('hour', ts), prompt_id, latency_ms
