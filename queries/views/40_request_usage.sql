-- request_usage: each deduplicated request's tokens by usage type, as providers bill them (docs/contracts.md §2):
-- input = input_tokens - cache_read_tokens - cache_write_tokens; cache_read; cache_write; output.
-- One scan of the events, four rows per request.
CREATE OR REPLACE VIEW request_usage AS
SELECT
  e.event_id, e.ts, e.dt, e.provider, e.model, e.feature, e.cohort, e.customer_id, e.user_hash, e.status,
  e.delivered_output_tokens, u.usage_type,
  CASE u.usage_type
    WHEN 'input' THEN e.input_tokens - e.cache_read_tokens - e.cache_write_tokens
    WHEN 'cache_read' THEN e.cache_read_tokens
    WHEN 'cache_write' THEN e.cache_write_tokens
    ELSE e.output_tokens
  END AS tokens
FROM events_dedup e
CROSS JOIN (VALUES ('input'), ('cache_read'), ('cache_write'), ('output')) AS u (usage_type)
