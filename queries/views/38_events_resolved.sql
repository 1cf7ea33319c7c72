-- events_resolved: events_dedup with what the price book decides about each request: `resolved_model`, the snapshot
-- a model alias stood for at the request's ts (model_aliases; the model itself otherwise), and `context_tier`,
-- 'long' when the price book has a long-context threshold for that model at ts and input_tokens exceeds it
-- (long_context_thresholds), else 'standard'. request_usage and the rollups' views read it.
CREATE OR REPLACE VIEW events_resolved AS
WITH resolved AS (
  SELECT e.*, coalesce(a.model, e.model) AS resolved_model
  FROM events_dedup e
  LEFT JOIN model_aliases a
    ON a.provider = e.provider AND a.alias = e.model
    AND a.valid_from <= e.ts AND (a.valid_to IS NULL OR e.ts < a.valid_to)
)
SELECT
  r.*,
  CASE WHEN r.input_tokens > t.long_context_above THEN 'long' ELSE 'standard' END AS context_tier
FROM resolved r
LEFT JOIN long_context_thresholds t
  ON t.provider = r.provider AND t.model = r.resolved_model
  AND t.valid_from <= r.ts AND (t.valid_to IS NULL OR r.ts < t.valid_to)
