/**
 * `openai-costs`: the JSON of OpenAI `GET /v1/organization/costs?group_by=line_item` (docs/contracts.md §5) — one
 * page `{"object":"page","data":[bucket…]}` or an array of pages. A bucket has `start_time`/`end_time`
 * (Unix seconds, end exclusive) and `results[]` of `{amount: {value, currency}, line_item, project_id}`.
 *
 * - `line_item` is `"<model>, <kind>"`, split at the LAST ", "; the kind is compared case-insensitively.
 *   Kinds `input`, `output`, `cached input` are input, output, cache_read, at service tier standard. The
 *   same kinds prefixed `batch `, `flex ` or `priority ` (`batch input`, `flex cached input`,
 *   `priority output`, …) are the same usage types at service tier batch, flex or priority. Every other
 *   kind (`audio input`, `batch audio input`, …) is `other` with the model kept (and the tier its prefix
 *   names). The line item `web search tool calls` (no model) is `tool:web_search` with no model; so is
 *   the kind `web search tool calls` after a model, which keeps its model. Any other line item without
 *   ", " (`Image models`) or a null one (an export not grouped by line item) is `other` with no model.
 *   The raw text is kept as `sku`, so an unmapped line shows up as unallocated, never dropped.
 * - context_tier is always standard: the export does not split long-context requests out.
 * - `amount.value` is a JSON number or a numeric string; negative values are kept (credits, refunds).
 * - No quantity is given: `consumed_quantity` is null. `billing_account_id` is `project_id` (null when
 *   the export is not grouped by project). `invoice_id` is null.
 */
import type { ServiceTier } from '@tokenledger/client/contract';
import type { CostLine, CostUsageType } from '../cost-line.ts';
import { readJsonPages } from './json-pages.ts';
import {
  amount,
  currency,
  fail,
  type NormaliseOptions,
  optionalString,
  periodEnd,
  quote,
  unixSeconds,
  wholeHour,
} from './values.ts';

const KINDS: ReadonlyMap<string, CostUsageType> = new Map<string, CostUsageType>([
  ['input', 'input'],
  ['output', 'output'],
  ['cached input', 'cache_read'],
]);

/** A kind's leading word naming a service tier other than standard: `batch input` is input at batch. */
const TIER_PREFIXES: readonly ServiceTier[] = ['batch', 'flex', 'priority'];

const WEB_SEARCH = 'web search tool calls';

/** `"gpt-4o-2024-08-06, batch cached input"` → model, usage type and service tier. */
export function parseOpenAiLineItem(lineItem: string | null): {
  model: string | null;
  usage_type: CostUsageType;
  service_tier: ServiceTier;
} {
  if (lineItem === null) return { model: null, usage_type: 'other', service_tier: 'standard' };
  const cut = lineItem.lastIndexOf(', ');
  if (cut < 0) {
    const tool = lineItem.trim().toLowerCase() === WEB_SEARCH;
    return { model: null, usage_type: tool ? 'tool:web_search' : 'other', service_tier: 'standard' };
  }
  const name = lineItem.slice(0, cut).trim();
  const model = name === '' ? null : name;
  const kind = lineItem
    .slice(cut + 2)
    .trim()
    .toLowerCase();
  if (kind === WEB_SEARCH) return { model, usage_type: 'tool:web_search', service_tier: 'standard' };
  const tier = TIER_PREFIXES.find((t) => kind.startsWith(`${t} `));
  const base = tier === undefined ? kind : kind.slice(tier.length + 1).trim();
  return { model, usage_type: KINDS.get(base) ?? 'other', service_tier: tier ?? 'standard' };
}

export function normaliseOpenAiCosts(
  text: string,
  sourceFile: string,
  options: NormaliseOptions = {},
): CostLine[] {
  let named = 0;
  const lines = readJsonPages(text, sourceFile, {
    name: 'openai-costs',
    objects: { page: 'page', bucket: 'bucket', result: 'organization.costs.result' },
    bucket(bucket, where) {
      const start = wholeHour(
        unixSeconds(bucket.start_time, where, 'start_time'),
        bucket.start_time,
        where,
        'start_time',
      );
      const end = wholeHour(
        unixSeconds(bucket.end_time, where, 'end_time'),
        bucket.end_time,
        where,
        'end_time',
      );
      return { start, end: periodEnd(start, end, bucket.end_time, where, 'end_time') };
    },
    result(result, where, period) {
      const money = result.amount;
      if (money === undefined || money === null) fail(where, 'amount', 'is missing');
      if (typeof money !== 'object' || Array.isArray(money)) {
        fail(where, 'amount', `expected an object {"value", "currency"}, got ${quote(money)}`);
      }
      const { value, currency: code } = money as Record<string, unknown>;
      const billed = amount(value, where, 'amount.value');
      const cur = currency(code, where, 'amount.currency', options.usdOnly);
      const lineItem = optionalString(result.line_item, where, 'line_item');
      const projectId = optionalString(result.project_id, where, 'project_id');
      if (lineItem !== null) named++;
      const { model, usage_type, service_tier } = parseOpenAiLineItem(lineItem);
      return {
        provider: 'openai',
        billing_account_id: projectId,
        invoice_id: null,
        charge_period_start: period.start,
        charge_period_end: period.end,
        model,
        usage_type,
        service_tier,
        context_tier: 'standard',
        consumed_quantity: null,
        billed_cost: billed,
        list_cost: null,
        currency: cur,
        sku: lineItem ?? '',
        source_format: 'openai-costs',
        source_file: sourceFile,
      };
    },
  });
  if (lines.length > 0 && named === 0) {
    fail(
      { file: sourceFile, position: 'whole file' },
      'line_item',
      `every one of the ${lines.length} results has line_item null: the export is not grouped by line item, so no cost could be told apart by model and token type; re-export with group_by=line_item (GET https://api.openai.com/v1/organization/costs?start_time=…&bucket_width=1d&group_by=line_item, see docs/finance.md)`,
    );
  }
  return lines;
}
