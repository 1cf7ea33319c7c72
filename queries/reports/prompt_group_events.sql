-- prompt_group_events: the requests of one group of prompt_groups.sql (a prompt version, a cohort, an hour), one row
-- each, for a group that a deploy or retire time of its version falls inside (docs/contracts.md §7).
-- Parameters: 1 the hour's day 'YYYY-MM-DD', 2 the next day (dt bounds), 3 prompt_id, 4 prompt_version, 5 cohort,
-- 6 the hour's first instant 'YYYY-MM-DD HH:MM:SS', 7 the next hour's.
SELECT event_id, ts, cohort, prompt_id, prompt_version
FROM events_dedup
WHERE dt >= ? AND dt < ? AND prompt_id = ? AND prompt_version = ? AND cohort = ?
  AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP)
ORDER BY ts, event_id
