-- price_book: the list prices in force, one row per provider, model, usage type and validity interval
-- (USD per million tokens; valid_from inclusive, valid_to exclusive, null: open).
-- Imported prices replace the shipped default price book (source 'default') for their provider, model and
-- usage type altogether: a negotiated price list is never cut short by a later-dated list price. A later
-- import of the same key (provider, model, usage_type, effective_from) overrides an earlier one. A price ends
-- at its effective_to, or where the next price of the same key begins, so any instant matches at most one.
CREATE OR REPLACE VIEW price_book AS
SELECT
  provider,
  model,
  usage_type,
  usd_per_million_tokens,
  effective_from AS valid_from,
  CASE
    WHEN effective_to IS NULL THEN next_from
    WHEN next_from IS NULL THEN effective_to
    ELSE least(effective_to, next_from)
  END AS valid_to,
  source
FROM (
  SELECT
    provider, model, usage_type, usd_per_million_tokens, effective_from, effective_to, source,
    lead(effective_from) OVER (PARTITION BY provider, model, usage_type ORDER BY effective_from) AS next_from
  FROM (
    SELECT
      latest.*,
      max(imported) OVER (PARTITION BY provider, model, usage_type) AS key_has_import
    FROM (
      SELECT
        p.*,
        CASE WHEN source = 'default' THEN 0 ELSE 1 END AS imported,
        row_number() OVER (
          PARTITION BY provider, model, usage_type, effective_from ORDER BY ingested_at DESC, source DESC
        ) AS import_rank
      FROM prices p
    ) latest
    WHERE import_rank = 1
  ) sources
  WHERE imported = 1 OR key_has_import = 0
) priced
