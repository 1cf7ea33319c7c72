-- prompt_groups: the deduplicated requests that name a prompt version, counted per prompt version, cohort and UTC
-- hour with their first and last ts, for the governance report (docs/contracts.md §7), which checks them against the
-- prompt registry. A group is checked as a whole where no deploy or retire time of its version falls inside it; the
-- report reads the requests of the groups that straddle one (prompt_group_events.sql), so every count is exact.
-- Parameters: 1 first day 'YYYY-MM-DD', 2 last day (exclusive).
SELECT
  prompt_id, prompt_version, cohort, date_trunc('hour', ts) AS hour, count(*) AS requests, min(ts) AS first_ts,
  max(ts) AS last_ts
FROM events_dedup
WHERE dt >= ? AND dt < ? AND prompt_id IS NOT NULL
GROUP BY prompt_id, prompt_version, cohort, date_trunc('hour', ts)
ORDER BY prompt_id, prompt_version, cohort, hour
