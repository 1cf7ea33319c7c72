import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import type { CostLine } from '../../src/core/costs/cost-line.ts';
import { PRICE_COLUMNS, type PriceRow } from '../../src/core/prices/price-book.ts';
import { REVENUE_COLUMNS, type RevenueRow } from '../../src/core/revenue/revenue.ts';
import { importRows } from '../../src/jobs/import-table.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { kinesisEvent, line } from './factories.ts';

let batch = 0;

/** Builds a small lake by the real write paths: events through the consumer, tables through importRows. */
export class LakeFixture {
  readonly store: FsLakeStore;
  constructor(readonly dir: string) {
    this.store = new FsLakeStore(dir);
  }

  async events(events: Record<string, unknown>[]): Promise<void> {
    batch += 100;
    await createIngestHandler({ store: this.store })(kinesisEvent([events.map(line)], batch));
  }

  async costs(lines: Partial<CostLine>[], ingestedAt = Date.parse('2026-12-01T00:00:00Z')): Promise<void> {
    const rows = lines.map((l) => ({ ...costLine(), ...l, ingested_at: ingestedAt }));
    await importRows(this.store, 'costs/focus', JSON.stringify(rows), COST_COLUMNS, rows);
  }

  async prices(rows: Partial<PriceRow>[], ingestedAt = Date.parse('2026-12-01T00:00:00Z')): Promise<void> {
    const full = rows.map((r) => ({ ...price(), ...r, ingested_at: ingestedAt }));
    await importRows(this.store, 'prices', JSON.stringify(full), PRICE_COLUMNS, full);
  }

  async revenue(rows: Partial<RevenueRow>[], ingestedAt = Date.parse('2026-12-01T00:00:00Z')): Promise<void> {
    const full = rows.map((r) => ({ ...revenueRow(), ...r, ingested_at: ingestedAt }));
    await importRows(this.store, 'revenue', JSON.stringify(full), REVENUE_COLUMNS, full);
  }
}

export const NOV_2 = Date.parse('2026-11-02T00:00:00Z');
export const NOV_3 = Date.parse('2026-11-03T00:00:00Z');

function costLine(): CostLine {
  return {
    provider: 'openai',
    billing_account_id: 'proj_1',
    invoice_id: null,
    charge_period_start: NOV_2,
    charge_period_end: NOV_3,
    model: 'model-a',
    usage_type: 'input',
    service_tier: 'standard',
    context_tier: 'standard',
    consumed_quantity: null,
    billed_cost: 10,
    list_cost: null,
    currency: 'USD',
    sku: 'model-a, input',
    source_format: 'focus',
    source_file: 'fixture.csv',
  };
}

function price(): Omit<PriceRow, 'ingested_at'> {
  return {
    provider: 'openai',
    model: 'model-a',
    usage_type: 'input',
    service_tier: 'standard',
    context_tier: 'standard',
    long_context_above: null,
    alias_of: null,
    usd_per_million_tokens: 2.5,
    effective_from: Date.parse('2026-01-01T00:00:00Z'),
    effective_to: null,
    source: 'fixture.csv',
  };
}

function revenueRow(): Omit<RevenueRow, 'ingested_at'> {
  return {
    month: '2026-11',
    customer_id: 'cus_a',
    cohort: 'pro',
    amount: 100,
    currency: 'USD',
    source_file: 'rev.csv',
  };
}
