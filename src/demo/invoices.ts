/**
 * The demo month's provider invoices, in the providers' real export formats (docs/contracts.md §5), made from the
 * same traffic the demo app sends — so the allocation has something true to reconcile. Every request's usage is
 * billed under its pricing key (docs/contracts.md §2): its service tier (the nightly digest goes through the
 * Batch APIs), its context tier (a few support-agent requests above Claude Sonnet 4's 200k-token threshold
 * are long-context), its 5-minute and 1-hour cache writes apart, and its web searches billed per call. What
 * the allocation cannot give to a request is only what the demo plants as unexplained:
 *
 * - OpenAI, `openai-costs`: the pages of `GET /v1/organization/costs?group_by=line_item,project_id`, daily
 *   buckets in two pages, a result per `"<model>, input|output|cached input"` (`batch input`, … for the
 *   Batch API) and project (two projects, by feature). The token lines bill about 6 % more than the
 *   telemetry: calls made without the client (untagged spend), which the allocation leaves unallocated. A
 *   daily `web search tool calls` line bills the day's web searches at $0.01 a call, also about 6 % more
 *   calls than the telemetry has. One model, `o4-mini-2025-04-16`, is not on the invoice at all (its
 *   usage is billed on another organisation, say): its requests are estimated at the price book.
 * - Anthropic, `anthropic-cost-report`: the pages of `GET /v1/organizations/cost_report` (7 daily buckets a
 *   page, `+00:00` offsets), amounts as decimal strings in cents, two workspaces, token lines at about
 *   1.03 × the telemetry's list price: `service_tier` batch for the Batch API, `context_window` `200k-1M`
 *   for long-context requests, `cache_creation.ephemeral_1h_input_tokens` for 1-hour cache writes; and a
 *   daily `web_search` line at $0.01 a search, about 3 % more searches than the telemetry has.
 * - Amazon Bedrock, `focus`: a FOCUS 1.x CSV at list price exactly, the model in `x_Model`, the token type in
 *   `x_TokenType`, `ConsumedQuantity` the tokens (so the allocation uses the invoice's own quantity), and
 *   one Tax row for the month (unallocated: no request accounts for it). Standard tier only.
 *
 * Tokens are counted per UTC day × provider × model × usage type × service tier × context tier × account
 * (docs/contracts.md §2: input = input − cache_read − cache_write; cache_write the 5-minute writes =
 * cache_write − cache_write_1h) over the deduplicated calls (by event id); malformed lines are ignored. Tool
 * calls are counted per UTC day × provider × account, across models. Prices are the default price book's,
 * looked up by the full pricing key at the day's start (a tier without a row: the standard/standard row),
 * and a request is long-context exactly as the `request_usage` view decides it; a usage type without a
 * price is not invoiced. The same traffic and seed give the same files, byte for byte.
 */
import type { RecordInput } from '@tokenledger/client';
import type { ServiceTier } from '@tokenledger/client/contract';
import { defaultPriceBook } from '../adapters/local/default-price-book.ts';
import type { ContextTier, InvoiceFormat } from '../core/costs/cost-line.ts';
import { ANY_MODEL, type PriceRow } from '../core/prices/price-book.ts';
import { Random } from './random.ts';
import type { Traffic } from './traffic.ts';

export type TokenUsageType = 'input' | 'cache_read' | 'cache_write' | 'cache_write_1h' | 'output';
export const TOKEN_USAGE_TYPES: readonly TokenUsageType[] = [
  'input',
  'cache_read',
  'cache_write',
  'cache_write_1h',
  'output',
];

/** The OpenAI model the demo's OpenAI invoice leaves out: its requests are priced only by the price book. */
export const UNINVOICED_MODEL = 'o4-mini-2025-04-16';
/** Billed ÷ list-price cost of the telemetry, per provider: the rest is spend the client never saw. */
export const BILLED_FACTOR: Readonly<Record<string, number>> = {
  openai: 1.06,
  anthropic: 1.03,
  'aws.bedrock': 1,
};

const DAY_MS = 86_400_000;

/** One deduplicated request of the demo app, with its usage by usage type and its pricing key's tiers. */
export interface DemoCall {
  ts: number;
  provider: string;
  model: string;
  feature: string;
  cohort: string;
  customerId: string | null;
  serviceTier: ServiceTier;
  /** `long` when the default price book has a long-context threshold for the model at `ts` and the input exceeds it. */
  contextTier: ContextTier;
  tokens: Readonly<Record<TokenUsageType, number>>;
  /** Server-side tool calls by tool name (`{ web_search: 2 }`); tools called 0 times are left out. */
  tools: Readonly<Record<string, number>>;
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
  const prices = new ListPrices();
  for (const item of traffic.items) {
    if (item.kind !== 'call') continue;
    const input = item.input;
    if (input.eventId !== undefined) {
      if (seen.has(input.eventId)) continue;
      seen.add(input.eventId);
    }
    calls.push(toCall(input, prices));
  }
  return calls;
}

function toCall(i: RecordInput, prices: ListPrices): DemoCall {
  const cacheRead = i.cacheReadTokens ?? 0;
  const cacheWrite = i.cacheWriteTokens ?? 0;
  const oneHour = i.cacheWrite1hTokens ?? 0;
  const started = i.startedAt instanceof Date ? i.startedAt.getTime() : (i.startedAt ?? Date.now());
  const tools: Record<string, number> = {};
  for (const [name, calls] of Object.entries(i.toolCalls ?? {})) if (calls > 0) tools[name] = calls;
  return {
    ts: started,
    provider: i.provider,
    model: i.model,
    feature: i.feature.trim().toLowerCase(),
    cohort: i.cohort.trim().toLowerCase(),
    customerId: i.customerId ?? null,
    serviceTier: i.serviceTier ?? 'standard',
    contextTier: prices.contextTier(i.provider, i.model, i.inputTokens, started),
    tokens: {
      input: i.inputTokens - cacheRead - cacheWrite,
      cache_read: cacheRead,
      cache_write: cacheWrite - oneHour,
      cache_write_1h: oneHour,
      output: i.outputTokens,
    },
    tools,
  };
}

/** A price row and the end of its validity: its effective_to, or where the next row of its key starts. */
interface Valid {
  row: PriceRow;
  to: number | null;
}

/** A model's long-context threshold over an interval (the `long_context_thresholds` view). */
interface Threshold {
  from: number;
  to: number | null;
  above: number;
}

/**
 * List prices of the default price book, in USD per token (per call for tools), looked up by pricing key and
 * time as the `price_book`, `long_context_thresholds` and `request_usage` views do.
 */
export class ListPrices {
  private readonly byKey = new Map<string, Valid[]>();
  private readonly thresholds = new Map<string, Threshold[]>();

  constructor(rows: readonly PriceRow[] = defaultPriceBook()) {
    const lists = new Map<string, PriceRow[]>();
    for (const row of rows) {
      const key = priceKey(row.provider, row.model, row.usage_type, row.service_tier, row.context_tier);
      lists.set(key, [...(lists.get(key) ?? []), row]);
    }
    // Long rows grouped by model and start: the lowest threshold; open when any of them is open.
    const long = new Map<string, Map<number, { above: number; ends: (number | null)[] }>>();
    for (const [key, list] of lists) {
      list.sort((a, b) => a.effective_from - b.effective_from);
      const valid = list.map((row, i) => ({ row, to: until(row.effective_to, list[i + 1]?.effective_from) }));
      this.byKey.set(key, valid);
      for (const { row, to } of valid) {
        if (row.context_tier !== 'long' || row.long_context_above === null) continue;
        const model = `${row.provider}\u0000${row.model}`;
        const starts = long.get(model) ?? new Map<number, { above: number; ends: (number | null)[] }>();
        const start = starts.get(row.effective_from) ?? { above: row.long_context_above, ends: [] };
        start.above = Math.min(start.above, row.long_context_above);
        start.ends.push(to);
        starts.set(row.effective_from, start);
        long.set(model, starts);
      }
    }
    for (const [model, starts] of long) {
      const list = [...starts].sort(([a], [b]) => a - b);
      this.thresholds.set(
        model,
        list.map(([from, { above, ends }], i) => {
          const end = ends.includes(null) ? null : Math.max(...(ends as number[]));
          return { from, above, to: until(end, list[i + 1]?.[0]) };
        }),
      );
    }
  }

  /** The row of exactly this key in force at `at`: the latest that started by then, if it has not ended. */
  private exact(key: string, at: number): PriceRow | null {
    let found: Valid | undefined;
    for (const v of this.byKey.get(key) ?? []) if (v.row.effective_from <= at) found = v;
    if (!found || (found.to !== null && at >= found.to)) return null;
    return found.row;
  }

  /**
   * USD per token of a usage type at a service tier and context tier, in force at `at`; a tier without a
   * price row is priced at the standard/standard row; null: no price.
   */
  perToken(
    provider: string,
    model: string,
    usage: TokenUsageType,
    at: number,
    serviceTier: ServiceTier = 'standard',
    contextTier: ContextTier = 'standard',
  ): number | null {
    const row =
      this.exact(priceKey(provider, model, usage, serviceTier, contextTier), at) ??
      this.exact(priceKey(provider, model, usage, 'standard', 'standard'), at);
    return row === null ? null : row.usd_per_million_tokens / 1_000_000;
  }

  /** USD per call of a server-side tool (`web_search`) at `at`, across the provider's models; null: no price. */
  perCall(provider: string, tool: string, at: number): number | null {
    const row = this.exact(priceKey(provider, ANY_MODEL, `tool:${tool}`, 'standard', 'standard'), at);
    return row === null ? null : row.usd_per_million_tokens / 1_000_000;
  }

  /** The model's long-context threshold in force at `at` (input tokens above it are long), or null. */
  longContextAbove(provider: string, model: string, at: number): number | null {
    const list = this.thresholds.get(`${provider}\u0000${model}`) ?? [];
    const t = list.find((x) => x.from <= at && (x.to === null || at < x.to));
    return t?.above ?? null;
  }

  /** `long` when the model has a long-context threshold at `at` and `inputTokens` exceeds it. */
  contextTier(provider: string, model: string, inputTokens: number, at: number): ContextTier {
    const above = this.longContextAbove(provider, model, at);
    return above !== null && inputTokens > above ? 'long' : 'standard';
  }

  /** A call's cost at list price under its pricing keys, tools included (usage without a price counts 0). */
  callCost(call: DemoCall): number {
    let cost = 0;
    for (const usage of TOKEN_USAGE_TYPES) {
      const tokens = call.tokens[usage];
      if (tokens <= 0) continue;
      const price = this.perToken(
        call.provider,
        call.model,
        usage,
        call.ts,
        call.serviceTier,
        call.contextTier,
      );
      cost += tokens * (price ?? 0);
    }
    for (const [tool, calls] of Object.entries(call.tools)) {
      cost += calls * (this.perCall(call.provider, tool, call.ts) ?? 0);
    }
    return cost;
  }
}

/** The end of a validity: its own end, or where the next one starts, whichever comes first (null: open). */
function until(end: number | null, nextStart: number | undefined): number | null {
  if (nextStart === undefined) return end;
  return end === null ? nextStart : Math.min(end, nextStart);
}

function priceKey(
  provider: string,
  model: string,
  usage: string,
  serviceTier: ServiceTier,
  contextTier: ContextTier,
): string {
  return [provider, model, usage, serviceTier, contextTier].join('\u0000');
}

/** Tokens of one UTC day, provider, model, usage type, service tier, context tier and billing account. */
export interface UsageLine {
  day: number;
  provider: string;
  model: string;
  usage: TokenUsageType;
  serviceTier: ServiceTier;
  contextTier: ContextTier;
  account: string;
  tokens: number;
  /** USD per token of the pricing key at the day's start. */
  price: number;
  listCost: number;
}

/** Calls of one server-side tool on one UTC day, provider and billing account, across models. */
export interface ToolLine {
  day: number;
  provider: string;
  /** `web_search`: the usage type is `tool:<tool>`. */
  tool: string;
  account: string;
  calls: number;
  /** USD per call at the day's start, or null when the price book has none. */
  price: number | null;
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
      byFeature: { 'summarize-thread': 'wrkspc_01Summaries', 'nightly-digest': 'wrkspc_01Summaries' },
    },
    'aws.bedrock': { accounts: ['123456789012'], byFeature: {} },
  };

function accountOf(provider: string, feature: string): string {
  const a = ACCOUNTS[provider];
  return a ? (a.byFeature[feature] ?? (a.accounts[0] as string)) : 'default';
}

const dayOf = (ts: number) => Math.floor(ts / DAY_MS) * DAY_MS;
const TIER_ORDER: readonly string[] = ['standard', 'batch', 'flex', 'priority', 'long'];

/**
 * The calls' tokens summed per day × provider × model × usage type × service tier × context tier × account,
 * each with the list price of its pricing key.
 */
export function usageLines(calls: readonly DemoCall[], prices = new ListPrices()): UsageLine[] {
  const sums = new Map<string, Omit<UsageLine, 'price' | 'listCost'>>();
  for (const call of calls) {
    const day = dayOf(call.ts);
    const account = accountOf(call.provider, call.feature);
    const { serviceTier, contextTier } = call;
    for (const usage of TOKEN_USAGE_TYPES) {
      const tokens = call.tokens[usage];
      if (tokens <= 0) continue;
      const key = [day, call.provider, call.model, usage, serviceTier, contextTier, account].join('\u0000');
      const line = sums.get(key);
      if (line) line.tokens += tokens;
      else {
        sums.set(key, {
          day,
          provider: call.provider,
          model: call.model,
          usage,
          serviceTier,
          contextTier,
          account,
          tokens,
        });
      }
    }
  }
  const lines: UsageLine[] = [];
  for (const line of sums.values()) {
    const price = prices.perToken(
      line.provider,
      line.model,
      line.usage,
      line.day,
      line.serviceTier,
      line.contextTier,
    );
    if (price === null) continue; // nothing to bill it at: not invoiced, the report counts it unpriced
    lines.push({ ...line, price, listCost: line.tokens * price });
  }
  const order = (l: UsageLine) =>
    [
      l.provider,
      l.model,
      String(TIER_ORDER.indexOf(l.serviceTier)),
      String(TIER_ORDER.indexOf(l.contextTier)),
      String(TOKEN_USAGE_TYPES.indexOf(l.usage)),
      l.account,
    ].join('\u0000');
  return lines.sort((a, b) => a.day - b.day || compare(order(a), order(b)));
}

/** The calls' server-side tool calls summed per day × provider × tool × account (model ignored). */
export function toolLines(calls: readonly DemoCall[], prices = new ListPrices()): ToolLine[] {
  const sums = new Map<string, ToolLine>();
  for (const call of calls) {
    const day = dayOf(call.ts);
    const account = accountOf(call.provider, call.feature);
    for (const [tool, n] of Object.entries(call.tools)) {
      const key = [day, call.provider, tool, account].join('\u0000');
      const line = sums.get(key);
      if (line) line.calls += n;
      else {
        const price = prices.perCall(call.provider, tool, day);
        sums.set(key, { day, provider: call.provider, tool, account, calls: n, price });
      }
    }
  }
  const order = (l: ToolLine) => [l.provider, l.tool, l.account].join('\u0000');
  return [...sums.values()].sort((a, b) => a.day - b.day || compare(order(a), order(b)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
  // The left-out model's requests are on another organisation's invoice: its tokens and its tool calls.
  const calls = demoCalls(traffic).filter(
    (c) => c.ts >= start && c.ts < end && !(c.provider === 'openai' && c.model === UNINVOICED_MODEL),
  );
  const prices = new ListPrices();
  const lines = usageLines(calls, prices);
  // Web search is the one server-side tool the demo app calls (and the invoices' formats name).
  const tools = toolLines(calls, prices).filter((t) => t.tool === 'web_search');
  const rnd = new Random((options.seed ?? 42) * 31 + 7);
  const openai = lines.filter((l) => l.provider === 'openai');
  const anthropic = lines.filter((l) => l.provider === 'anthropic');
  // Bedrock's FOCUS export bills the standard tier only here (the demo sends it nothing else).
  const bedrock = lines.filter(
    (l) =>
      l.provider === 'aws.bedrock' &&
      l.serviceTier === 'standard' &&
      l.contextTier === 'standard' &&
      BEDROCK_TOKEN_TYPE[l.usage] !== undefined,
  );
  const toolsOf = (provider: string) => tools.filter((t) => t.provider === provider);
  // A provider with nothing to bill (no traffic, or a month before its prices) sends no invoice.
  return [
    openai.length > 0 ? openAiInvoice(options.month, days, openai, toolsOf('openai'), rnd) : null,
    anthropic.length > 0 ? anthropicInvoice(options.month, days, anthropic, toolsOf('anthropic'), rnd) : null,
    bedrock.length > 0 ? bedrockInvoice(options.month, start, end, bedrock, rnd) : null,
  ].filter((invoice) => invoice !== null);
}

/** A daily factor around the provider's `BILLED_FACTOR`: ±0.5 %, so the month stays within 1 % of it. */
function dailyFactors(provider: string, days: readonly number[], rnd: Random): Map<number, number> {
  const base = BILLED_FACTOR[provider] ?? 1;
  return new Map(days.map((d) => [d, base * (1 + (rnd.next() - 0.5) * 0.01)]));
}

/**
 * The tool calls the provider bills for a day: the telemetry's and about as many more as the day's billed
 * factor says (calls made without the client), in whole calls: the fraction of a call is billed with that
 * chance, so a month of small days still bills about the factor.
 */
function billedCalls(line: ToolLine, factor: number, rnd: Random): number {
  const extra = Math.max(0, line.calls * (factor - 1));
  return line.calls + Math.floor(extra) + (rnd.chance(extra - Math.floor(extra)) ? 1 : 0);
}

/** USD per web search (OpenAI's and Anthropic's), for a day the price book has no price for. */
const WEB_SEARCH_USD = 0.01;

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** A plain decimal (no exponent), trailing zeros trimmed. */
function decimal(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** OpenAI's line item kinds; other tiers than standard are prefixed (`batch input`). */
const OPENAI_KIND: Partial<Record<TokenUsageType, string>> = {
  input: 'input',
  output: 'output',
  cache_read: 'cached input',
};

/** `"gpt-4o-mini-2024-07-18, batch cached input"`. The export has no context tier (no OpenAI model here has one). */
function openAiLineItem(l: UsageLine, kind: string): string {
  return `${l.model}, ${l.serviceTier === 'standard' ? '' : `${l.serviceTier} `}${kind}`;
}

function openAiInvoice(
  month: string,
  days: readonly number[],
  lines: readonly UsageLine[],
  tools: readonly ToolLine[],
  rnd: Random,
): DemoInvoice {
  const factors = dailyFactors('openai', days, rnd);
  const buckets = days.map((day) => {
    const factor = factors.get(day) ?? 1;
    const results: unknown[] = [];
    for (const l of lines) {
      const kind = OPENAI_KIND[l.usage];
      if (l.day !== day || kind === undefined) continue;
      results.push({
        object: 'organization.costs.result',
        amount: { value: round(l.listCost * factor, 9), currency: 'usd' },
        line_item: openAiLineItem(l, kind),
        project_id: l.account,
      });
    }
    for (const t of tools) {
      if (t.day !== day) continue;
      results.push({
        object: 'organization.costs.result',
        amount: {
          value: round(billedCalls(t, factor, rnd) * (t.price ?? WEB_SEARCH_USD), 9),
          currency: 'usd',
        },
        line_item: 'web search tool calls',
        project_id: t.account,
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
  const batch = lines.some((l) => l.serviceTier === 'batch') ? ', batch lines' : '';
  const searches = tools.length > 0 ? '; web search calls ~6% above too' : '';
  return {
    format: 'openai-costs',
    provider: 'openai',
    fileName: `openai-costs-${month}.json`,
    text: `${JSON.stringify(pages, null, 2)}\n`,
    note: `2 pages, 2 projects; tokens ~6% above the telemetry${batch}${searches}; no ${UNINVOICED_MODEL}`,
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
  cache_write_1h: 'cache_creation.ephemeral_1h_input_tokens',
};
const ANTHROPIC_LABEL: Record<TokenUsageType, string> = {
  input: 'Input Tokens',
  output: 'Output Tokens',
  cache_read: 'Prompt Caching Read',
  cache_write: 'Prompt Caching Write (5m)',
  cache_write_1h: 'Prompt Caching Write (1h)',
};
const ANTHROPIC_NAMES: Readonly<Record<string, string>> = {
  'claude-3-5-haiku-20241022': 'Claude Haiku 3.5',
  'claude-sonnet-4-20250514': 'Claude Sonnet 4',
  'claude-sonnet-4-5-20250929': 'Claude Sonnet 4.5',
  'claude-opus-4-1-20250805': 'Claude Opus 4.1',
};
/** The cost report's context window of a context tier. */
const ANTHROPIC_WINDOW: Record<ContextTier, string> = { standard: '0-200k', long: '200k-1M' };

/** `Claude Sonnet 4 Usage - Input Tokens`, with the tiers other than standard named after it. */
function anthropicDescription(l: UsageLine): string {
  const tiers = [
    l.serviceTier === 'standard' ? null : `${l.serviceTier[0]?.toUpperCase()}${l.serviceTier.slice(1)}`,
    l.contextTier === 'long' ? 'Long Context' : null,
  ].filter((t) => t !== null);
  const suffix = tiers.length > 0 ? ` (${tiers.join(', ')})` : '';
  return `${ANTHROPIC_NAMES[l.model] ?? l.model} Usage - ${ANTHROPIC_LABEL[l.usage]}${suffix}`;
}

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
  tools: readonly ToolLine[],
  rnd: Random,
): DemoInvoice {
  const factors = dailyFactors('anthropic', days, rnd);
  const buckets = days.map((day) => {
    const factor = factors.get(day) ?? 1;
    const results: unknown[] = lines
      .filter((l) => l.day === day)
      .map((l) => ({
        currency: 'USD',
        amount: cents(l.listCost * factor),
        workspace_id: l.account,
        description: anthropicDescription(l),
        cost_type: 'tokens',
        context_window: ANTHROPIC_WINDOW[l.contextTier],
        model: l.model,
        service_tier: l.serviceTier,
        token_type: ANTHROPIC_TOKEN_TYPE[l.usage],
        inference_geo: null,
      }));
    for (const t of tools) {
      if (t.day !== day) continue;
      results.push({
        currency: 'USD',
        amount: cents(billedCalls(t, factor, rnd) * (t.price ?? WEB_SEARCH_USD)),
        workspace_id: t.account,
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
  const planted = [
    lines.some((l) => l.serviceTier === 'batch') ? 'batch' : null,
    lines.some((l) => l.contextTier === 'long') ? 'long-context (200k-1M)' : null,
    lines.some((l) => l.usage === 'cache_write_1h') ? '1-hour cache write' : null,
  ].filter((p) => p !== null);
  const tiers = planted.length > 0 ? `; ${planted.join(', ')} lines` : '';
  const searches = tools.length > 0 ? '; daily web search lines, ~3% above the telemetry' : '';
  return {
    format: 'anthropic-cost-report',
    provider: 'anthropic',
    fileName: `anthropic-cost-report-${month}.json`,
    text: `${JSON.stringify(pages, null, 2)}\n`,
    note: `${pages.length} pages, 2 workspaces, cents; tokens ~3% above the telemetry${tiers}${searches}`,
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

/** The token types Bedrock bills here (it has no 1-hour cache write price): the others are not invoiced. */
const BEDROCK_TOKEN_TYPE: Partial<Record<TokenUsageType, string>> = {
  input: 'InputTokenCount',
  output: 'OutputTokenCount',
  cache_read: 'CacheReadInputTokenCount',
  cache_write: 'CacheWriteInputTokenCount',
};
const BEDROCK_METER: Partial<Record<TokenUsageType, string>> = {
  input: 'Input Tokens',
  output: 'Output Tokens',
  cache_read: 'Cache Read Input Tokens',
  cache_write: 'Cache Write Input Tokens',
};
const BEDROCK_PHRASE: Partial<Record<TokenUsageType, string>> = {
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
      SkuMeter: BEDROCK_METER[l.usage] ?? '',
      x_Model: l.model,
      x_TokenType: BEDROCK_TOKEN_TYPE[l.usage] ?? '',
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
