-- prompt_groups: the deduplicated requests that name a prompt version, counted per prompt version, cohort and UTC
-- hour with their first and last ts, for the governance report (docs/contracts.md §7), which checks them against the
-- prompt registry. Read from the hourly rollup (usage_hourly), whose groups split these further by pricing key,
-- feature and status. A group is checked as a whole where no deploy or retire time of its version falls between
-- its first and last ts; the report reads the requests of the groups that straddle one (prompt_group_events.sql),
-- so every count is exact.
-- Parameters: 1 first day 'YYYY-MM-DD', 2 last day (exclusive).
SELECT
  prompt_id, prompt_version, cohort, hour, sum(requests) AS requests, min(first_ts) AS first_ts,
  max(last_ts) AS last_ts
FROM usage_hourly
WHERE dt >= ? AND dt < ? AND prompt_id IS NOT NULL
GROUP BY prompt_id, prompt_version, cohort, hour
ORDER BY prompt_id, prompt_version, cohort, hour
