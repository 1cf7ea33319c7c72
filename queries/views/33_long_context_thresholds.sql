-- long_context_thresholds: from when to when a model's requests above a number of input tokens are long-context
-- (docs/contracts.md §2, §5): one row per provider, model and interval, intervals never overlapping, taken from
-- the price book's context_tier = 'long' rows. Every start and end of such a row cuts the model's time into
-- segments; a segment's threshold is the lowest of the long rows in force in it (rows of one model and date
-- should agree: a price-book file that disagrees with itself is refused), and a segment no long row covers has none.
CREATE OR REPLACE VIEW long_context_thresholds AS
WITH long_rows AS (
  SELECT provider, model, long_context_above, valid_from, valid_to
  FROM price_book
  WHERE context_tier = 'long' AND long_context_above IS NOT NULL
),
segments AS (
  SELECT provider, model, bound_at AS segment_from, lead(bound_at) OVER (PARTITION BY provider, model ORDER BY bound_at) AS segment_to
  FROM (
    SELECT provider, model, valid_from AS bound_at FROM long_rows
    UNION
    SELECT provider, model, valid_to AS bound_at FROM long_rows WHERE valid_to IS NOT NULL
  ) bounds
)
SELECT
  s.provider, s.model, min(r.long_context_above) AS long_context_above, s.segment_from AS valid_from,
  s.segment_to AS valid_to
FROM segments s
JOIN long_rows r
  ON r.provider = s.provider AND r.model = s.model
  AND r.valid_from <= s.segment_from AND (r.valid_to IS NULL OR s.segment_from < r.valid_to)
GROUP BY s.provider, s.model, s.segment_from, s.segment_to
