import type { ServiceTier, ToolUsageType, UsageType } from '@tokenledger/client/contract';
import { DataFileError } from '../data-file-error.ts';

/**
 * How a provider bills (docs/contracts.md §2): tokens of a usage type, calls of a server-side tool
 * (`tool:web_search`), or `other` for every line that is neither (tax, fine-tuning, storage…).
 */
export type CostUsageType = UsageType | ToolUsageType | 'other';

/** `long`: the line bills requests above the model's long-context threshold (docs/contracts.md §5). */
export type ContextTier = 'standard' | 'long';

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
  /** The tier the line bills: `batch` for Batch API lines, else as the provider states it. */
  service_tier: ServiceTier;
  context_tier: ContextTier;
  /** Tokens (calls for tools), when the provider states them. */
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
