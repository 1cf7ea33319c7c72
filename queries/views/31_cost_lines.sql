-- cost_lines: the invoice lines in force. Importing the same file twice stores it once (its key is its content
-- hash); a later export that covers the same line (provider, format, account, invoice, charge period, sku and
-- model: what the provider sent) replaces it, as a provider's cost API restates a day until it is final. The
-- usage type and tiers are not part of that key: they are what tokenledger made of the line, and a newer version
-- may map the same line differently (a batch line was once 'other'), which must still replace it, not double it.
-- Lines imported before the tiers existed read as standard/standard.
CREATE OR REPLACE VIEW cost_lines AS
SELECT
  provider, billing_account_id, invoice_id, charge_period_start, charge_period_end, model, usage_type,
  service_tier, context_tier, consumed_quantity, billed_cost, list_cost, currency, sku, source_format,
  source_file
FROM (
  SELECT
    keyed.*,
    rank() OVER (
      PARTITION BY
        provider, source_format, account_key, invoice_key, charge_period_start, charge_period_end, sku, model_key
      ORDER BY ingested_at DESC
    ) AS import_rank
  FROM (
    SELECT
      provider, billing_account_id, invoice_id, charge_period_start, charge_period_end, model, usage_type,
      coalesce(service_tier, 'standard') AS service_tier,
      coalesce(context_tier, 'standard') AS context_tier,
      consumed_quantity, billed_cost, list_cost, currency, sku, source_format, source_file, ingested_at,
      coalesce(billing_account_id, '') AS account_key,
      coalesce(invoice_id, '') AS invoice_key,
      coalesce(model, '') AS model_key
    FROM costs
  ) keyed
) imports
WHERE import_rank = 1
