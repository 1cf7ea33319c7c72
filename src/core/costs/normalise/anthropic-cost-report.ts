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
 *   cache_read_input_tokens → cache_read, cache_creation.ephemeral_5m_input_tokens → cache_write,
 *   cache_creation.ephemeral_1h_input_tokens → cache_write_1h. `cost_type` `web_search` is
 *   `tool:web_search` (its lines carry no model; the model is kept as given). Any other cost_type
 *   (`code_execution`, null when the report is not grouped by description) or an unknown token_type is
 *   `other`, with the model kept. An export whose every result has neither `cost_type` nor `model` was not
 *   grouped by description: it is refused, saying to re-export with `group_by[]=description`.
 * - `service_tier` (trimmed, lower-cased; null or absent → standard) is the line's service tier when it is
 *   standard, batch, flex or priority. Any other tier (one Anthropic adds later) is not refused: the line
 *   becomes `other` at tier standard, so its money stays in the billed total, shows as unallocated with its
 *   description, and is never allocated at another tier's price. A tier that is not a string is refused.
 * - `context_window` `0-200k` (any case) or null → context tier standard; any other value (`200k-1M`) is
 *   long.
 * - `inference_geo` and `speed` are not read (not split yet): a US-only or `fast` line lands in the same
 *   bucket as the global / standard-speed lines of its model, usage type and tiers, so its premium is
 *   averaged over that bucket's requests.
 * - `billing_account_id` is `workspace_id` (null is the default workspace). `sku` is `description`, or
 *   `cost_type/token_type/model` (a null part as `-`) when there is no description. No quantity is given.
 */
import { SERVICE_TIERS, type ServiceTier } from '@tokenledger/client/contract';
import type { ContextTier, CostLine, CostUsageType } from '../cost-line.ts';
import { readJsonPages } from './json-pages.ts';
import {
  amount,
  currency,
  fail,
  isoInstant,
  type NormaliseOptions,
  optionalString,
  periodEnd,
  wholeHour,
} from './values.ts';

const TOKEN_TYPES: ReadonlyMap<string, CostUsageType> = new Map<string, CostUsageType>([
  ['uncached_input_tokens', 'input'],
  ['output_tokens', 'output'],
  ['cache_read_input_tokens', 'cache_read'],
  ['cache_creation.ephemeral_5m_input_tokens', 'cache_write'],
  ['cache_creation.ephemeral_1h_input_tokens', 'cache_write_1h'],
]);

/** The usage type of a cost_type / token_type pair, before the service tier is checked. */
function usageOf(costType: string | null, tokenType: string | null): CostUsageType {
  if (costType === 'web_search') return 'tool:web_search';
  if (costType === 'tokens' && tokenType !== null) return TOKEN_TYPES.get(tokenType) ?? 'other';
  return 'other';
}

/** The tier named by `service_tier` (null → standard), or null when it names a tier we do not know. */
function serviceTierOf(raw: string | null): ServiceTier | null {
  if (raw === null) return 'standard';
  const tier = raw.trim().toLowerCase();
  if (tier === '') return 'standard';
  return (SERVICE_TIERS as readonly string[]).includes(tier) ? (tier as ServiceTier) : null;
}

/** `0-200k` or null is the standard context window; any other range (`200k-1M`) is long context. */
function contextTierOf(raw: string | null): ContextTier {
  if (raw === null) return 'standard';
  const window = raw.trim().toLowerCase();
  return window === '' || window === '0-200k' ? 'standard' : 'long';
}

export function normaliseAnthropicCostReport(
  text: string,
  sourceFile: string,
  options: NormaliseOptions = {},
): CostLine[] {
  let described = 0;
  const lines = readJsonPages(text, sourceFile, {
    name: 'anthropic-cost-report',
    bucket(bucket, where) {
      const start = wholeHour(
        isoInstant(bucket.starting_at, where, 'starting_at'),
        bucket.starting_at,
        where,
        'starting_at',
      );
      const end = wholeHour(
        isoInstant(bucket.ending_at, where, 'ending_at'),
        bucket.ending_at,
        where,
        'ending_at',
      );
      return { start, end: periodEnd(start, end, bucket.ending_at, where, 'ending_at') };
    },
    result(result, where, period) {
      const billed = amount(result.amount, where, 'amount', -2);
      const cur = currency(result.currency, where, 'currency', options.usdOnly);
      const description = optionalString(result.description, where, 'description');
      const costType = optionalString(result.cost_type, where, 'cost_type');
      const tokenType = optionalString(result.token_type, where, 'token_type');
      const model = optionalString(result.model, where, 'model');
      if (costType !== null || model !== null) described++;
      const workspaceId = optionalString(result.workspace_id, where, 'workspace_id');
      const serviceTier = serviceTierOf(optionalString(result.service_tier, where, 'service_tier'));
      const contextWindow = optionalString(result.context_window, where, 'context_window');
      // An unknown service tier keeps the line, as `other`: its money is billed, never allocated at a guess.
      const usageType = serviceTier === null ? 'other' : usageOf(costType, tokenType);
      return {
        provider: 'anthropic',
        billing_account_id: workspaceId,
        invoice_id: null,
        charge_period_start: period.start,
        charge_period_end: period.end,
        model,
        usage_type: usageType,
        service_tier: serviceTier ?? 'standard',
        context_tier: contextTierOf(contextWindow),
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
  if (lines.length > 0 && described === 0) {
    fail(
      { file: sourceFile, position: 'whole file' },
      'cost_type',
      `every one of the ${lines.length} results has cost_type and model null: the report is not grouped by description, so no cost could be told apart by model and token type; re-export with group_by[]=description (GET https://api.anthropic.com/v1/organizations/cost_report?starting_at=…&group_by[]=description, see docs/finance.md)`,
    );
  }
  return lines;
}
