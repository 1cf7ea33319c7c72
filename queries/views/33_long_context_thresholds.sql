-- long_context_thresholds: from when to when a model's requests above a number of input tokens are long-context
-- (docs/contracts.md §2, §5): one row per provider, model and interval, intervals never overlapping, taken from
-- the price book's context_tier = 'long' rows. Where long rows of one model start on the same day with
-- different thresholds (a price book import refuses that within a file), the lowest applies.
CREATE OR REPLACE VIEW long_context_thresholds AS
WITH starts AS (
  SELECT
    provider, model, valid_from,
    min(long_context_above) AS long_context_above,
    CASE WHEN count(valid_to) < count(*) THEN NULL ELSE max(valid_to) END AS valid_to
  FROM price_book
  WHERE context_tier = 'long' AND long_context_above IS NOT NULL
  GROUP BY provider, model, valid_from
)
SELECT
  provider, model, long_context_above, valid_from,
  CASE
    WHEN valid_to IS NULL THEN next_from
    WHEN next_from IS NULL THEN valid_to
    ELSE least(valid_to, next_from)
  END AS valid_to
FROM (
  SELECT s.*, lead(valid_from) OVER (PARTITION BY provider, model ORDER BY valid_from) AS next_from
  FROM starts s
) ordered
