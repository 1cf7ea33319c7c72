import { DataFileError } from '../data-file-error.ts';

/** How a provider bills tokens (docs/contracts.md §2), plus `other` for every line that is not tokens. */
export type CostUsageType = 'input' | 'cache_read' | 'cache_write' | 'output' | 'other';

export type InvoiceFormat = 'openai-costs' | 'anthropic-cost-report' | 'focus';
export const INVOICE_FORMATS: readonly InvoiceFormat[] = ['openai-costs', 'anthropic-cost-report', 'focus'];

/** One normalised invoice line (docs/contracts.md §5, FOCUS-aligned). Money in `currency`, times as epoch ms UTC. */
export interface CostLine {
  provider: string;
  billing_account_id: string | null;
  invoice_id: string | null;
  /** Inclusive. */
  charge_period_start: number;
  /** Exclusive. */
  charge_period_end: number;
  model: string | null;
  usage_type: CostUsageType;
  /** Tokens, when the provider states them. */
  consumed_quantity: number | null;
  billed_cost: number;
  list_cost: number | null;
  /** ISO 4217, upper case. */
  currency: string;
  /** The provider's raw line item text, kept so an unmapped line can be traced. */
  sku: string;
  source_format: InvoiceFormat;
  source_file: string;
}

/** An invoice file that cannot be normalised: refused whole, naming where and which field. */
export class InvoiceError extends DataFileError {
  override readonly name = 'InvoiceError';
}
