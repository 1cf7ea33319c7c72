-- prompt_events: every deduplicated request that names a prompt version, for the governance report (docs/contracts.md §7),
-- which checks them against the prompt registry. Parameters: 1 first day 'YYYY-MM-DD', 2 last day (exclusive).
SELECT event_id, ts, cohort, prompt_id, prompt_version
FROM events_dedup
WHERE dt >= ? AND dt < ? AND prompt_id IS NOT NULL
ORDER BY ts, event_id
