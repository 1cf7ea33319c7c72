/**
 * `anthropic-cost-report`: the JSON of Anthropic `GET /v1/organizations/cost_report` (docs/contracts.md §5) — one
 * page `{"data":[bucket…],"has_more","next_page"}` or an array of pages. A bucket has `starting_at` /
 * `ending_at` (RFC 3339, end exclusive; any offset is accepted and converted to UTC, a value without a zone
 * is refused) and `results[]`.
 *
 * - `amount` is a decimal STRING in the lowest currency unit: "1234.56" USD is $12.3456. The digits are
 *   shifted two places (not divided as a float), so `billed_cost` is the double nearest the exact dollars.
 *   A JSON number is accepted too. Negative amounts are kept (credits).
 * - `cost_type` `tokens` maps `token_type`: uncached_input_tokens → input, output_tokens → output,
 *   cache_read_input_tokens → cache_read, cache_creation.ephemeral_5m_input_tokens and
 *   cache_creation.ephemeral_1h_input_tokens → cache_write. Any other cost_type (`web_search`,
 *   `code_execution`, null when the report is not grouped by description) or an unknown token_type is
 *   `other`, with the model kept. `service_tier` (standard / batch), `context_window` and `inference_geo`
 *   do not split the bucket: batch and long-context tokens land in the same (model, usage type) bucket.
 * - `billing_account_id` is `workspace_id` (null is the default workspace). `sku` is `description`, or
 *   `cost_type/token_type/model` (a null part as `-`) when there is no description. No quantity is given.
 */
import type { CostLine, CostUsageType } from '../cost-line.ts';
import { readJsonPages } from './json-pages.ts';
import { amount, currency, isoInstant, type NormaliseOptions, optionalString, periodEnd } from './values.ts';

const TOKEN_TYPES: ReadonlyMap<string, CostUsageType> = new Map<string, CostUsageType>([
  ['uncached_input_tokens', 'input'],
  ['output_tokens', 'output'],
  ['cache_read_input_tokens', 'cache_read'],
  ['cache_creation.ephemeral_5m_input_tokens', 'cache_write'],
  ['cache_creation.ephemeral_1h_input_tokens', 'cache_write'],
]);

export function normaliseAnthropicCostReport(
  text: string,
  sourceFile: string,
  options: NormaliseOptions = {},
): CostLine[] {
  return readJsonPages(text, sourceFile, {
    bucket(bucket, where) {
      const start = isoInstant(bucket.starting_at, where, 'starting_at');
      const end = isoInstant(bucket.ending_at, where, 'ending_at');
      return { start, end: periodEnd(start, end, bucket.ending_at, where, 'ending_at') };
    },
    result(result, where, period) {
      const billed = amount(result.amount, where, 'amount', -2);
      const cur = currency(result.currency, where, 'currency', options.usdOnly);
      const description = optionalString(result.description, where, 'description');
      const costType = optionalString(result.cost_type, where, 'cost_type');
      const tokenType = optionalString(result.token_type, where, 'token_type');
      const model = optionalString(result.model, where, 'model');
      const workspaceId = optionalString(result.workspace_id, where, 'workspace_id');
      const usageType: CostUsageType =
        costType === 'tokens' && tokenType !== null ? (TOKEN_TYPES.get(tokenType) ?? 'other') : 'other';
      return {
        provider: 'anthropic',
        billing_account_id: workspaceId,
        invoice_id: null,
        charge_period_start: period.start,
        charge_period_end: period.end,
        model,
        usage_type: usageType,
        consumed_quantity: null,
        billed_cost: billed,
        list_cost: null,
        currency: cur,
        sku: description ?? [costType, tokenType, model].map((part) => part ?? '-').join('/'),
        source_format: 'anthropic-cost-report',
        source_file: sourceFile,
      };
    },
  });
}
