import { DOUBLE, STRING, type TableColumn, TIMESTAMP } from '../lake/table-column.ts';

/** The `costs` table: normalised invoice lines (docs/contracts.md §5), plus when they were imported. */
export const COST_COLUMNS: readonly TableColumn[] = [
  { name: 'provider', ...STRING, nullable: false, comment: 'openai, anthropic, aws.bedrock, …' },
  { name: 'billing_account_id', ...STRING, nullable: true, comment: 'project / workspace / account' },
  { name: 'invoice_id', ...STRING, nullable: true, comment: 'the provider invoice, when stated' },
  { name: 'charge_period_start', ...TIMESTAMP, nullable: false, comment: 'inclusive, UTC' },
  { name: 'charge_period_end', ...TIMESTAMP, nullable: false, comment: 'exclusive, UTC' },
  { name: 'model', ...STRING, nullable: true, comment: 'model the line bills' },
  {
    name: 'usage_type',
    ...STRING,
    nullable: false,
    comment: 'input, cache_read, cache_write, cache_write_1h, output, tool:<name> or other',
  },
  { name: 'consumed_quantity', ...DOUBLE, nullable: true, comment: 'tokens, when stated' },
  { name: 'billed_cost', ...DOUBLE, nullable: false, comment: 'in currency' },
  { name: 'list_cost', ...DOUBLE, nullable: true, comment: 'in currency, when stated' },
  { name: 'currency', ...STRING, nullable: false, comment: 'ISO 4217' },
  { name: 'sku', ...STRING, nullable: false, comment: "the provider's raw line item text" },
  {
    name: 'source_format',
    ...STRING,
    nullable: false,
    comment: 'openai-costs, anthropic-cost-report or focus',
  },
  { name: 'source_file', ...STRING, nullable: false, comment: 'the imported file' },
  { name: 'ingested_at', ...TIMESTAMP, nullable: false, comment: 'when the file was imported' },
  // Appended later, so nullable: files written before do not have them (null reads as standard).
  {
    name: 'service_tier',
    ...STRING,
    nullable: true,
    comment: 'standard, batch, flex or priority; null: standard',
  },
  { name: 'context_tier', ...STRING, nullable: true, comment: 'standard or long; null: standard' },
];
