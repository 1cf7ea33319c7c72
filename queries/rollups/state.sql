-- state: what the rollup job compares before rolling (docs/rollups.md), in one query: the current roll of each
-- rolled-up day in a range, with the fingerprints of what it read (kind 'roll'); then the rows of the price book and
-- invoices that a rollup groups by — long-context thresholds (context tier), model aliases (model), billed tools
-- (which tool calls are kept) — whose fingerprint, when it changes, makes every rolled day stale (kind 'dimension').
-- Parameters: 1 first day 'YYYY-MM-DD' (inclusive), 2 last day (exclusive).
SELECT * FROM (
  SELECT
    'roll' AS kind, r.dt, r.roll_id, r.events_fingerprint, r.dimensions_fingerprint,
    CAST(NULL AS VARCHAR) AS provider, CAST(NULL AS VARCHAR) AS model, CAST(NULL AS VARCHAR) AS value,
    CAST(NULL AS VARCHAR) AS valid_from, CAST(NULL AS VARCHAR) AS valid_to
  FROM rollup_rolls r
  JOIN rolled_days d ON d.dt = r.dt AND d.roll_id = r.roll_id
  WHERE r.dt >= ? AND r.dt < ?
  UNION ALL
  SELECT
    'dimension' AS kind, NULL AS dt, NULL AS roll_id, NULL AS events_fingerprint, NULL AS dimensions_fingerprint,
    provider, model, CAST(long_context_above AS VARCHAR) AS value, CAST(valid_from AS VARCHAR) AS valid_from,
    CAST(valid_to AS VARCHAR) AS valid_to
  FROM long_context_thresholds
  UNION ALL
  SELECT
    'dimension' AS kind, NULL AS dt, NULL AS roll_id, NULL AS events_fingerprint, NULL AS dimensions_fingerprint,
    provider, alias AS model, model AS value, CAST(valid_from AS VARCHAR) AS valid_from,
    CAST(valid_to AS VARCHAR) AS valid_to
  FROM model_aliases
  UNION ALL
  SELECT
    'dimension' AS kind, NULL AS dt, NULL AS roll_id, NULL AS events_fingerprint, NULL AS dimensions_fingerprint,
    provider, '*' AS model, usage_type AS value, NULL AS valid_from, NULL AS valid_to
  FROM billed_tools
) state
ORDER BY kind, dt, provider, model, value, valid_from
