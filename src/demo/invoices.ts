/**
 * The demo month's provider invoices, in the providers' real export formats (docs/contracts.md §5), made from the
 * same traffic the demo app sends — so the allocation has something true to reconcile:
 *
 * - OpenAI, `openai-costs`: the pages of `GET /v1/organization/costs?group_by=line_item,project_id`, daily
 *   buckets in two pages, a result per `"<model>, input|output|cached input"` and project (two projects,
 *   by feature). The token lines bill about 6 % more than the telemetry: calls made without the client
 *   (untagged spend), which the allocation leaves unallocated. One non-token line a day ("web search tool
 *   calls", usage type `other`). One model, `o4-mini-2025-04-16`, is not on the invoice at all (its usage
 *   is billed on another organisation, say): its requests are estimated at the price book.
 * - Anthropic, `anthropic-cost-report`: the pages of `GET /v1/organizations/cost_report` (7 daily buckets a
 *   page, `+00:00` offsets), amounts as decimal strings in cents, two workspaces, token lines at about
 *   1.03 × the telemetry's list price, and one `web_search` line.
 * - Amazon Bedrock, `focus`: a FOCUS 1.x CSV at list price exactly, the model in `x_Model`, the token type in
 *   `x_TokenType`, `ConsumedQuantity` the tokens (so the allocation uses the invoice's own quantity), and
 *   one Tax row for the month.
 *
 * Tokens are counted per UTC day × provider × model × usage type (docs/contracts.md §2: input = input − cache_read −
 * cache_write) over the deduplicated calls (by event id); malformed lines are ignored. Prices are the
 * default price book's; a usage type without a price is not invoiced. The same traffic and seed give the
 * same files, byte for byte.
 */
import type { RecordInput } from '@tokenledger/client';
import { defaultPriceBook } from '../adapters/local/default-price-book.ts';
import type { InvoiceFormat } from '../core/costs/cost-line.ts';
import type { PriceRow } from '../core/prices/price-book.ts';
import { Random } from './random.ts';
import type { Traffic } from './traffic.ts';

export type TokenUsageType = 'input' | 'cache_read' | 'cache_write' | 'output';
export const TOKEN_USAGE_TYPES: readonly TokenUsageType[] = ['input', 'cache_read', 'cache_write', 'output'];

/** The OpenAI model the demo's OpenAI invoice leaves out: its requests are priced only by the price book. */
export const UNINVOICED_MODEL = 'o4-mini-2025-04-16';
/** Billed ÷ list-price cost of the telemetry, per provider: the rest is spend the client never saw. */
export const BILLED_FACTOR: Readonly<Record<string, number>> = {
  openai: 1.06,
  anthropic: 1.03,
  'aws.bedrock': 1,
};

const DAY_MS = 86_400_000;

/** One deduplicated request of the demo app, with its tokens by usage type. */
export interface DemoCall {
  ts: number;
  provider: string;
  model: string;
  feature: string;
  cohort: string;
  customerId: string | null;
  tokens: Readonly<Record<TokenUsageType, number>>;
}

const callsOf = new WeakMap<Traffic, readonly DemoCall[]>();

/**
 * The `record()` calls of the traffic, each event id once (a retry is the same request); lines ignored.
 * Computed once per traffic (the invoices and the revenue both read it).
 */
export function demoCalls(traffic: Traffic): readonly DemoCall[] {
  let calls = callsOf.get(traffic);
  if (!calls) {
    calls = dedupedCalls(traffic);
    callsOf.set(traffic, calls);
  }
  return calls;
}

function dedupedCalls(traffic: Traffic): DemoCall[] {
  const seen = new Set<string>();
  const calls: DemoCall[] = [];
  for (const item of traffic.items) {
    if (item.kind !== 'call') continue;
    const input = item.input;
    if (input.eventId !== undefined) {
      if (seen.has(input.eventId)) continue;
      seen.add(input.eventId);
    }
    calls.push(toCall(input));
  }
  return calls;
}

function toCall(i: RecordInput): DemoCall {
  const cacheRead = i.cacheReadTokens ?? 0;
  const cacheWrite = i.cacheWriteTokens ?? 0;
  const started = i.startedAt instanceof Date ? i.startedAt.getTime() : (i.startedAt ?? Date.now());
  return {
    ts: started,
    provider: i.provider,
    model: i.model,
    feature: i.feature.trim().toLowerCase(),
    cohort: i.cohort.trim().toLowerCase(),
    customerId: i.customerId ?? null,
    tokens: {
      input: i.inputTokens - cacheRead - cacheWrite,
      cache_read: cacheRead,
      cache_write: cacheWrite,
      output: i.outputTokens,
    },
  };
}

/** List prices of the default price book, in USD per token, looked up by time (as the `price_book` view). */
export class ListPrices {
  private readonly byKey = new Map<string, PriceRow[]>();

  constructor(rows: readonly PriceRow[] = defaultPriceBook()) {
    for (const row of rows) {
      const key = `${row.provider}\u0000${row.model}\u0000${row.usage_type}`;
      this.byKey.set(key, [...(this.byKey.get(key) ?? []), row]);
    }
    for (const list of this.byKey.values()) list.sort((a, b) => a.effective_from - b.effective_from);
  }

  /** USD per token in force at `at`, or null: the latest price that started by then and has not ended. */
  perToken(provider: string, model: string, usage: TokenUsageType, at: number): number | null {
    const rows = this.byKey.get(`${provider}\u0000${model}\u0000${usage}`) ?? [];
    let found: PriceRow | undefined;
    for (const row of rows) if (row.effective_from <= at) found = row;
    if (!found || (found.effective_to !== null && at >= found.effective_to)) return null;
    return found.usd_per_million_tokens / 1_000_000;
  }

  /** A call's cost at list price (usage types without a price count 0). */
  callCost(call: DemoCall): number {
    let cost = 0;
    for (const usage of TOKEN_USAGE_TYPES) {
      const tokens = call.tokens[usage];
      if (tokens > 0) cost += tokens * (this.perToken(call.provider, call.model, usage, call.ts) ?? 0);
    }
    return cost;
  }
}

/** Tokens of one UTC day, provider, model, usage type and billing account, priced at list. */
export interface UsageLine {
  day: number;
  provider: string;
  model: string;
  usage: TokenUsageType;
  account: string;
  tokens: number;
  /** USD per token at the day's start. */
  price: number;
  listCost: number;
}

/** Which project / workspace / account a feature's calls are billed to. */
const ACCOUNTS: Readonly<Record<string, { accounts: readonly string[]; byFeature: Record<string, string> }>> =
  {
    openai: {
      accounts: ['proj_assistant', 'proj_email'],
      byFeature: { 'draft-email': 'proj_email' },
    },
    anthropic: {
      accounts: ['wrkspc_01Support', 'wrkspc_01Summaries'],
      byFeature: { 'summarize-thread': 'wrkspc_01Summaries' },
    },
    'aws.bedrock': { accounts: ['123456789012'], byFeature: {} },
  };

function accountOf(provider: string, feature: string): string {
  const a = ACCOUNTS[provider];
  return a ? (a.byFeature[feature] ?? (a.accounts[0] as string)) : 'default';
}

/** The calls' tokens summed per day × provider × model × usage type × account, each with its list price. */
export function usageLines(calls: readonly DemoCall[], prices = new ListPrices()): UsageLine[] {
  const sums = new Map<string, Omit<UsageLine, 'price' | 'listCost'>>();
  for (const call of calls) {
    const day = Math.floor(call.ts / DAY_MS) * DAY_MS;
    const account = accountOf(call.provider, call.feature);
    for (const usage of TOKEN_USAGE_TYPES) {
      const tokens = call.tokens[usage];
      if (tokens <= 0) continue;
      const key = [day, call.provider, call.model, usage, account].join('\u0000');
      const line = sums.get(key);
      if (line) line.tokens += tokens;
      else sums.set(key, { day, provider: call.provider, model: call.model, usage, account, tokens });
    }
  }
  const lines: UsageLine[] = [];
  for (const line of sums.values()) {
    const price = prices.perToken(line.provider, line.model, line.usage, line.day);
    if (price === null) continue; // nothing to bill it at: not invoiced, the report counts it unpriced
    lines.push({ ...line, price, listCost: line.tokens * price });
  }
  const order = (l: UsageLine) =>
    [l.provider, l.model, String(TOKEN_USAGE_TYPES.indexOf(l.usage)), l.account].join('\u0000');
  return lines.sort((a, b) => a.day - b.day || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** One generated invoice file. */
export interface DemoInvoice {
  format: InvoiceFormat;
  provider: string;
  /** A file name for `<lake>/inputs/`. */
  fileName: string;
  text: string;
  /** What the demo planted in it, for the summary it prints. */
  note: string;
}

export interface DemoInvoiceOptions {
  /** `YYYY-MM`, the traffic's month. */
  month: string;
  seed?: number;
}

/** The month's OpenAI, Anthropic and Bedrock invoices for the traffic (a provider with nothing to bill: none). */
export function demoInvoices(traffic: Traffic, options: DemoInvoiceOptions): DemoInvoice[] {
  const start = Date.parse(`${options.month}-01T00:00:00Z`);
  if (Number.isNaN(start) || !/^\d{4}-\d{2}$/.test(options.month)) {
    throw new Error(`month: ${JSON.stringify(options.month)} is not YYYY-MM`);
  }
  const end = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth() + 1, 1);
  const days: number[] = [];
  for (let d = start; d < end; d += DAY_MS) days.push(d);
  const calls = demoCalls(traffic).filter((c) => c.ts >= start && c.ts < end);
  const lines = usageLines(calls);
  const rnd = new Random((options.seed ?? 42) * 31 + 7);
  const of = (provider: string) => lines.filter((l) => l.provider === provider);
  const openai = of('openai').filter((l) => l.model !== UNINVOICED_MODEL);
  const anthropic = of('anthropic');
  const bedrock = of('aws.bedrock');
  // A provider with nothing to bill (no traffic, or a month before its prices) sends no invoice.
  return [
    openai.length > 0 ? openAiInvoice(options.month, days, openai, calls, rnd) : null,
    anthropic.length > 0 ? anthropicInvoice(options.month, days, anthropic, calls, rnd) : null,
    bedrock.length > 0 ? bedrockInvoice(options.month, start, end, bedrock, rnd) : null,
  ].filter((invoice) => invoice !== null);
}

/** A daily factor around the provider's `BILLED_FACTOR`: ±0.5 %, so the month stays within 1 % of it. */
function dailyFactors(provider: string, days: readonly number[], rnd: Random): Map<number, number> {
  const base = BILLED_FACTOR[provider] ?? 1;
  return new Map(days.map((d) => [d, base * (1 + (rnd.next() - 0.5) * 0.01)]));
}

function callsPerDay(calls: readonly DemoCall[], provider: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const c of calls) {
    if (c.provider !== provider) continue;
    const day = Math.floor(c.ts / DAY_MS) * DAY_MS;
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return counts;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** A plain decimal (no exponent), trailing zeros trimmed. */
function decimal(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

const OPENAI_KIND: Partial<Record<TokenUsageType, string>> = {
  input: 'input',
  output: 'output',
  cache_read: 'cached input',
};
/** USD per web search tool call. */
const OPENAI_WEB_SEARCH = 0.01;

function openAiInvoice(
  month: string,
  days: readonly number[],
  lines: readonly UsageLine[],
  calls: readonly DemoCall[],
  rnd: Random,
): DemoInvoice {
  const factors = dailyFactors('openai', days, rnd);
  const searches = callsPerDay(calls, 'openai');
  const buckets = days.map((day) => {
    const results: unknown[] = [];
    for (const l of lines) {
      const kind = OPENAI_KIND[l.usage];
      if (l.day !== day || l.model === UNINVOICED_MODEL || kind === undefined) continue;
      results.push({
        object: 'organization.costs.result',
        amount: { value: round(l.listCost * (factors.get(day) ?? 1), 9), currency: 'usd' },
        line_item: `${l.model}, ${kind}`,
        project_id: l.account,
      });
    }
    const requests = searches.get(day) ?? 0;
    if (requests > 0) {
      const calls = 1 + Math.floor(requests * (0.02 + rnd.next() * 0.02));
      results.push({
        object: 'organization.costs.result',
        amount: { value: round(calls * OPENAI_WEB_SEARCH, 9), currency: 'usd' },
        line_item: 'web search tool calls',
        project_id: 'proj_assistant',
      });
    }
    return { object: 'bucket', start_time: day / 1000, end_time: (day + DAY_MS) / 1000, results };
  });
  const half = Math.ceil(buckets.length / 2);
  const pages = [buckets.slice(0, half), buckets.slice(half)].map((data, i, all) => ({
    object: 'page',
    data,
    has_more: i < all.length - 1,
    next_page: i < all.length - 1 ? pageToken(data[data.length - 1]?.end_time ?? 0) : null,
  }));
  return {
    format: 'openai-costs',
    provider: 'openai',
    fileName: `openai-costs-${month}.json`,
    text: `${JSON.stringify(pages, null, 2)}\n`,
    note: `2 pages, 2 projects; tokens ~6% above the telemetry; web search lines; no ${UNINVOICED_MODEL}`,
  };
}

function pageToken(endTime: number): string {
  return `page_${Buffer.from(`bucket:${endTime}`).toString('base64url')}`;
}

const ANTHROPIC_TOKEN_TYPE: Record<TokenUsageType, string> = {
  input: 'uncached_input_tokens',
  output: 'output_tokens',
  cache_read: 'cache_read_input_tokens',
  cache_write: 'cache_creation.ephemeral_5m_input_tokens',
};
const ANTHROPIC_LABEL: Record<TokenUsageType, string> = {
  input: 'Input Tokens',
  output: 'Output Tokens',
  cache_read: 'Prompt Caching Read',
  cache_write: 'Prompt Caching Write (5m)',
};
const ANTHROPIC_NAMES: Readonly<Record<string, string>> = {
  'claude-3-5-haiku-20241022': 'Claude Haiku 3.5',
  'claude-sonnet-4-20250514': 'Claude Sonnet 4',
  'claude-sonnet-4-5-20250929': 'Claude Sonnet 4.5',
  'claude-opus-4-1-20250805': 'Claude Opus 4.1',
};
/** USD per web search. */
const ANTHROPIC_WEB_SEARCH = 0.01;

/** RFC 3339 with a `+00:00` offset, as the Anthropic Admin API writes it. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Dollars as the Anthropic cost report's amount: a decimal string in cents. */
function cents(dollars: number): string {
  return (dollars * 100).toFixed(4);
}

function anthropicInvoice(
  month: string,
  days: readonly number[],
  lines: readonly UsageLine[],
  calls: readonly DemoCall[],
  rnd: Random,
): DemoInvoice {
  const factors = dailyFactors('anthropic', days, rnd);
  const requests = [...callsPerDay(calls, 'anthropic').values()].reduce((s, n) => s + n, 0);
  const searchDay = days[Math.min(days.length - 1, 14)] as number;
  const buckets = days.map((day) => {
    const results: unknown[] = lines
      .filter((l) => l.day === day)
      .map((l) => ({
        currency: 'USD',
        amount: cents(l.listCost * (factors.get(day) ?? 1)),
        workspace_id: l.account,
        description: `${ANTHROPIC_NAMES[l.model] ?? l.model} Usage - ${ANTHROPIC_LABEL[l.usage]}`,
        cost_type: 'tokens',
        context_window: '0-200k',
        model: l.model,
        service_tier: 'standard',
        token_type: ANTHROPIC_TOKEN_TYPE[l.usage],
        inference_geo: null,
      }));
    if (day === searchDay && requests > 0) {
      const searches = 1 + Math.floor(requests * (0.01 + rnd.next() * 0.005));
      results.push({
        currency: 'USD',
        amount: cents(searches * ANTHROPIC_WEB_SEARCH),
        workspace_id: 'wrkspc_01Support',
        description: 'Web Search Usage',
        cost_type: 'web_search',
        context_window: null,
        model: null,
        service_tier: null,
        token_type: null,
        inference_geo: null,
      });
    }
    return { starting_at: rfc3339(day), ending_at: rfc3339(day + DAY_MS), results };
  });
  const pages: unknown[] = [];
  for (let i = 0; i < buckets.length; i += 7) {
    const data = buckets.slice(i, i + 7);
    const more = i + 7 < buckets.length;
    pages.push({
      data,
      has_more: more,
      next_page: more ? pageToken(days[i + 7] as number) : null,
    });
  }
  return {
    format: 'anthropic-cost-report',
    provider: 'anthropic',
    fileName: `anthropic-cost-report-${month}.json`,
    text: `${JSON.stringify(pages, null, 2)}\n`,
    note: `${pages.length} pages, 2 workspaces, cents; tokens ~3% above the telemetry; a web search line`,
  };
}

const FOCUS_HEADER = [
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ConsumedQuantity',
  'ConsumedUnit',
  'PricingQuantity',
  'PricingUnit',
  'InvoiceId',
  'InvoiceIssuerName',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'ServiceCategory',
  'ServiceName',
  'SkuId',
  'SkuMeter',
  'x_Model',
  'x_TokenType',
] as const;

const BEDROCK_TOKEN_TYPE: Record<TokenUsageType, string> = {
  input: 'InputTokenCount',
  output: 'OutputTokenCount',
  cache_read: 'CacheReadInputTokenCount',
  cache_write: 'CacheWriteInputTokenCount',
};
const BEDROCK_METER: Record<TokenUsageType, string> = {
  input: 'Input Tokens',
  output: 'Output Tokens',
  cache_read: 'Cache Read Input Tokens',
  cache_write: 'Cache Write Input Tokens',
};
const BEDROCK_PHRASE: Record<TokenUsageType, string> = {
  input: 'input tokens',
  output: 'output tokens',
  cache_read: 'cache read input tokens',
  cache_write: 'cache write input tokens',
};
/** Sales tax on the Bedrock usage, billed as one Tax row for the month. */
const BEDROCK_TAX_RATE = 0.07;

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A stable SKU id per model and meter, shaped like AWS's (10 upper-case letters and digits). */
function skuId(model: string, usage: TokenUsageType): string {
  let h = 2166136261;
  for (const ch of `${model}/${usage}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).toUpperCase().padStart(7, '0').slice(0, 7).padEnd(10, 'Q');
}

function bedrockInvoice(
  month: string,
  start: number,
  end: number,
  lines: readonly UsageLine[],
  rnd: Random,
): DemoInvoice {
  const invoiceId = `EUINUS${month.replace('-', '')}-${String(rnd.int(100000, 999999))}`;
  const period = { BillingPeriodStart: iso(start), BillingPeriodEnd: iso(end) };
  const common = {
    BillingAccountId: '123456789012',
    BillingAccountName: 'acme-prod',
    BillingCurrency: 'USD',
    ...period,
    InvoiceId: invoiceId,
    InvoiceIssuerName: 'AWS',
    ProviderName: 'AWS',
    PublisherName: 'AWS',
    RegionId: 'us-east-1',
    ServiceCategory: 'AI and Machine Learning',
    ServiceName: 'Amazon Bedrock',
  };
  const rows: Record<string, string>[] = lines.map((l) => {
    const cost = decimal(l.listCost, 10);
    return {
      ...common,
      BilledCost: cost,
      EffectiveCost: cost,
      ListCost: cost,
      ListUnitPrice: decimal(l.price * 1000, 10),
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargeDescription: `$${decimal(l.price * 1_000_000, 4)} per million ${BEDROCK_PHRASE[l.usage]} for ${l.model} in US East (N. Virginia)`,
      ChargeFrequency: 'Usage-Based',
      ChargePeriodStart: iso(l.day),
      ChargePeriodEnd: iso(l.day + DAY_MS),
      ConsumedQuantity: String(l.tokens),
      ConsumedUnit: 'Tokens',
      PricingQuantity: decimal(l.tokens / 1000, 3),
      PricingUnit: '1K tokens',
      SkuId: skuId(l.model, l.usage),
      SkuMeter: BEDROCK_METER[l.usage],
      x_Model: l.model,
      x_TokenType: BEDROCK_TOKEN_TYPE[l.usage],
    };
  });
  const usage = lines.reduce((s, l) => s + l.listCost, 0);
  if (usage > 0) {
    const tax = decimal(round(usage * BEDROCK_TAX_RATE, 2), 2);
    rows.push({
      ...common,
      BilledCost: tax,
      EffectiveCost: tax,
      ListCost: '',
      ListUnitPrice: '',
      ChargeCategory: 'Tax',
      ChargeClass: '',
      ChargeDescription: `Tax for Amazon Bedrock, ${month}`,
      ChargeFrequency: 'Recurring',
      ChargePeriodStart: iso(start),
      ChargePeriodEnd: iso(end),
      ConsumedQuantity: '',
      ConsumedUnit: '',
      PricingQuantity: '',
      PricingUnit: '',
      SkuId: '',
      SkuMeter: '',
      x_Model: '',
      x_TokenType: '',
    });
  }
  const text = [
    FOCUS_HEADER.join(','),
    ...rows.map((r) => FOCUS_HEADER.map((h) => csvCell(r[h] ?? '')).join(',')),
  ]
    .join('\n')
    .concat('\n');
  return {
    format: 'focus',
    provider: 'aws.bedrock',
    fileName: `focus-bedrock-${month}.csv`,
    text,
    note: 'token quantities at list price; a Tax row',
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
