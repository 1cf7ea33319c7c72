-- price_book: the list prices in force, one row per pricing key (provider, model, usage type, service tier,
-- context tier) and validity interval, and the model aliases in force (usage type 'alias': `model` is the alias,
-- `alias_of` the snapshot it stands for). Prices are USD per million tokens, per million calls for tool:<name>; valid_from
-- inclusive, valid_to exclusive, null: open). Rows written before the tiers existed read as standard/standard.
-- Imported prices replace the shipped default price book (source 'default') for their pricing key altogether: a
-- negotiated price list is never cut short by a later-dated list price. A later import of the same key and
-- effective_from overrides an earlier one. A price ends at its effective_to, or where the next price of the same
-- key begins, so any instant matches at most one row per key.
CREATE OR REPLACE VIEW price_book AS
SELECT
  provider,
  model,
  usage_type,
  service_tier,
  context_tier,
  long_context_above,
  alias_of,
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
    provider, model, usage_type, service_tier, context_tier, long_context_above, alias_of, usd_per_million_tokens,
    effective_from, effective_to, source,
    lead(effective_from) OVER (
      PARTITION BY provider, model, usage_type, service_tier, context_tier ORDER BY effective_from
    ) AS next_from
  FROM (
    SELECT
      latest.*,
      max(imported) OVER (PARTITION BY provider, model, usage_type, service_tier, context_tier) AS key_has_import
    FROM (
      SELECT
        tiered.*,
        CASE WHEN source = 'default' THEN 0 ELSE 1 END AS imported,
        row_number() OVER (
          PARTITION BY provider, model, usage_type, service_tier, context_tier, effective_from
          ORDER BY ingested_at DESC, source DESC
        ) AS import_rank
      FROM (
        SELECT
          provider, model, usage_type,
          coalesce(service_tier, 'standard') AS service_tier,
          coalesce(context_tier, 'standard') AS context_tier,
          long_context_above, alias_of, usd_per_million_tokens, effective_from, effective_to, source, ingested_at
        FROM prices
      ) tiered
    ) latest
    WHERE import_rank = 1
  ) sources
  WHERE imported = 1 OR key_has_import = 0
) priced
