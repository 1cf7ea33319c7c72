import { describe, expect, it } from 'vitest';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { defaultPriceBook } from '../../src/adapters/local/default-price-book.ts';
import type { CostLine } from '../../src/core/costs/cost-line.ts';
import { normaliseInvoice } from '../../src/core/costs/normalise/index.ts';
import { type DemoInvoice, demoInvoices, ListPrices, UNINVOICED_MODEL } from '../../src/demo/invoices.ts';
import { generateTraffic, type Traffic } from '../../src/demo/traffic.ts';

const MONTH = '2025-09';
const DAY_MS = 86_400_000;
const traffic = generateTraffic({ month: MONTH, requests: 4000, seed: 7 });
const invoices = demoInvoices(traffic, { month: MONTH, seed: 7 });

function invoice(format: DemoInvoice['format']): DemoInvoice {
  const found = invoices.find((i) => i.format === format);
  if (!found) throw new Error(`no ${format} invoice`);
  return found;
}

function normalised(format: DemoInvoice['format']): CostLine[] {
  const inv = invoice(format);
  return normaliseInvoice(inv.text, inv.format, inv.fileName);
}

type Usage = 'input' | 'cache_read' | 'cache_write' | 'cache_write_1h' | 'output';
type Tier = 'standard' | 'batch' | 'flex' | 'priority';
type Context = 'standard' | 'long';

const BOOK = defaultPriceBook();

function rowAt(p: string, m: string, usage: string, tier: Tier, context: Context, at: number) {
  return BOOK.filter(
    (r) =>
      r.provider === p &&
      r.model === m &&
      r.usage_type === usage &&
      r.service_tier === tier &&
      r.context_tier === context,
  )
    .filter((r) => r.effective_from <= at && (r.effective_to === null || at < r.effective_to))
    .sort((x, y) => y.effective_from - x.effective_from)[0];
}

/** USD per million of a pricing key at `at`; a tier without a row: the standard/standard row. */
function listPrice(
  p: string,
  m: string,
  usage: string,
  tier: Tier,
  context: Context,
  at: number,
): number | null {
  const row = rowAt(p, m, usage, tier, context, at) ?? rowAt(p, m, usage, 'standard', 'standard', at);
  return row?.usd_per_million_tokens ?? null;
}

/** Long when a long-context row of the model is in force at `at` and the input exceeds its threshold. */
function contextOf(p: string, m: string, inputTokens: number, at: number): Context {
  const long = BOOK.filter(
    (r) =>
      r.provider === p &&
      r.model === m &&
      r.context_tier === 'long' &&
      r.effective_from <= at &&
      (r.effective_to === null || at < r.effective_to),
  );
  return long.some((r) => inputTokens > (r.long_context_above as number)) ? 'long' : 'standard';
}

/** The traffic's requests, each event id once. */
function requests(t: Traffic): RecordInput[] {
  const seen = new Set<string>();
  const out: RecordInput[] = [];
  for (const item of t.items) {
    if (item.kind !== 'call' || seen.has(item.input.eventId as string)) continue;
    seen.add(item.input.eventId as string);
    out.push(item.input);
  }
  return out;
}

const dayOf = (c: RecordInput) => Math.floor(Number(c.startedAt) / DAY_MS) * DAY_MS;
const tierOf = (c: RecordInput): Tier => c.serviceTier ?? 'standard';

/**
 * Telemetry computed here on its own: tokens and list cost per provider|model|usage|service tier|context
 * tier|day, deduplicated.
 */
function telemetry(t: Traffic): Map<string, { tokens: number; listCost: number }> {
  const out = new Map<string, { tokens: number; listCost: number }>();
  for (const c of requests(t)) {
    const read = c.cacheReadTokens ?? 0;
    const write = c.cacheWriteTokens ?? 0;
    const oneHour = c.cacheWrite1hTokens ?? 0;
    const tokens: Record<Usage, number> = {
      input: c.inputTokens - read - write,
      cache_read: read,
      cache_write: write - oneHour,
      cache_write_1h: oneHour,
      output: c.outputTokens,
    };
    const day = dayOf(c);
    const context = contextOf(c.provider, c.model, c.inputTokens, Number(c.startedAt));
    for (const usage of Object.keys(tokens) as Usage[]) {
      if (tokens[usage] === 0) continue;
      const price = listPrice(c.provider, c.model, usage, tierOf(c), context, day);
      if (price === null) continue;
      const key = [c.provider, c.model, usage, tierOf(c), context, day].join('|');
      const sum = out.get(key) ?? { tokens: 0, listCost: 0 };
      sum.tokens += tokens[usage];
      sum.listCost += (tokens[usage] * price) / 1e6;
      out.set(key, sum);
    }
  }
  return out;
}

/** Web searches per provider|day in the telemetry (the left-out model's are on no invoice of ours). */
function searches(t: Traffic): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of requests(t)) {
    const n = c.toolCalls?.web_search ?? 0;
    if (n === 0 || c.model === UNINVOICED_MODEL) continue;
    const key = [c.provider, dayOf(c)].join('|');
    out.set(key, (out.get(key) ?? 0) + n);
  }
  return out;
}

const telemetryByBucket = telemetry(traffic);
const searchesByDay = searches(traffic);

const keyOf = (l: CostLine) =>
  [l.provider, l.model, l.usage_type, l.service_tier, l.context_tier, l.charge_period_start].join('|');

/** Billed token lines ÷ list-price cost of the telemetry, per bucket and in total. */
function ratios(lines: CostLine[]): { total: number; buckets: number[] } {
  const billed = new Map<string, number>();
  for (const l of lines) {
    if (l.usage_type === 'other' || l.usage_type.startsWith('tool:')) continue;
    billed.set(keyOf(l), (billed.get(keyOf(l)) ?? 0) + l.billed_cost);
  }
  let b = 0;
  let list = 0;
  const buckets: number[] = [];
  for (const [key, value] of billed) {
    const t = telemetryByBucket.get(key);
    if (!t) throw new Error(`invoice bucket ${key} has no telemetry`);
    b += value;
    list += t.listCost;
    if (t.listCost > 0.01) buckets.push(value / t.listCost);
  }
  return { total: b / list, buckets };
}

/** The web search lines of an invoice: each day's billed calls (at $0.01 a call) against the telemetry's. */
function webSearchDays(
  lines: CostLine[],
  provider: string,
): { day: number; billed: number; telemetry: number }[] {
  const billed = new Map<number, number>();
  for (const l of lines.filter((x) => x.usage_type === 'tool:web_search')) {
    billed.set(l.charge_period_start, (billed.get(l.charge_period_start) ?? 0) + l.billed_cost / 0.01);
  }
  const days = new Set([
    ...billed.keys(),
    ...[...searchesByDay.keys()]
      .filter((k) => k.startsWith(`${provider}|`))
      .map((k) => Number(k.split('|')[1])),
  ]);
  return [...days]
    .sort((x, y) => x - y)
    .map((day) => ({
      day,
      // Calls at $0.01, to the millionth of a call: float division leaves a trace.
      billed: Math.round((billed.get(day) ?? 0) * 1e6) / 1e6,
      telemetry: searchesByDay.get(`${provider}|${day}`) ?? 0,
    }));
}

describe('demo invoices', () => {
  it('writes one invoice per format, each accepted whole by its normaliser', () => {
    // Prepare, Act: the module-level invoices.

    // Assess
    expect(invoices.map((i) => i.format)).toEqual(['openai-costs', 'anthropic-cost-report', 'focus']);
    for (const inv of invoices) {
      const lines = normaliseInvoice(inv.text, inv.format, inv.fileName);
      expect(lines.length).toBeGreaterThan(30);
      expect(new Set(lines.map((l) => l.currency))).toEqual(new Set(['USD']));
      for (const l of lines) {
        expect(new Date(l.charge_period_start).toISOString().slice(0, 7)).toBe(MONTH);
      }
    }
  });

  it('is the same for the same seed and differs for another', () => {
    // Act
    const again = demoInvoices(traffic, { month: MONTH, seed: 7 });
    const other = demoInvoices(traffic, { month: MONTH, seed: 8 });

    // Assess
    expect(again.map((i) => i.text)).toEqual(invoices.map((i) => i.text));
    expect(other.map((i) => i.text)).not.toEqual(invoices.map((i) => i.text));
  });

  it('OpenAI: two pages of daily buckets over two projects, ~6 % above the list price of the telemetry', () => {
    // Prepare
    const pages = JSON.parse(invoice('openai-costs').text) as {
      object: string;
      has_more: boolean;
      next_page: string | null;
      data: { start_time: number; end_time: number; results: { line_item: string; project_id: string }[] }[];
    }[];

    // Act
    const lines = normalised('openai-costs');
    const { total, buckets } = ratios(lines);

    // Assess
    expect(pages).toHaveLength(2);
    expect(pages.map((p) => [p.object, p.has_more, p.next_page === null])).toEqual([
      ['page', true, false],
      ['page', false, true],
    ]);
    const days = pages.flatMap((p) => p.data);
    expect(days).toHaveLength(30);
    for (const d of days) expect(d.end_time - d.start_time).toBe(86_400);
    const items = days.flatMap((d) => d.results);
    expect(new Set(items.map((r) => r.project_id))).toEqual(new Set(['proj_assistant', 'proj_email']));
    expect(new Set(items.map((r) => r.line_item.split(', ')[1] ?? r.line_item))).toEqual(
      new Set([
        'input',
        'output',
        'cached input',
        'batch input',
        'batch output',
        'batch cached input',
        'web search tool calls',
      ]),
    );
    expect(new Set(lines.map((l) => l.usage_type))).not.toContain('other');
    expect(total).toBeGreaterThan(1.06 * 0.99);
    expect(total).toBeLessThan(1.06 * 1.01);
    expect(buckets.length).toBeGreaterThan(60);
    for (const r of buckets) expect(Math.abs(r / 1.06 - 1)).toBeLessThan(0.01);
  });

  it('OpenAI: Batch API lines for the batch requests, normalised to service tier batch at the batch price', () => {
    // Prepare
    const batchModels = new Set(
      requests(traffic)
        .filter((c) => c.provider === 'openai' && c.serviceTier === 'batch')
        .map((c) => c.model),
    );

    // Act
    const lines = normalised('openai-costs');
    const batch = lines.filter((l) => l.service_tier === 'batch');

    // Assess
    expect(batchModels.size).toBeGreaterThan(0);
    expect(batch.length).toBeGreaterThan(0);
    expect(new Set(batch.map((l) => l.sku.split(', ')[1]))).toEqual(
      new Set(['batch input', 'batch output', 'batch cached input']),
    );
    expect(new Set(batch.map((l) => l.model))).toEqual(batchModels);
    expect(new Set(batch.map((l) => l.usage_type))).toEqual(new Set(['input', 'output', 'cache_read']));
    for (const l of lines.filter((x) => x.sku.includes(', batch '))) expect(l.service_tier).toBe('batch');
    for (const l of lines.filter((x) => !x.sku.includes(', batch '))) expect(l.service_tier).toBe('standard');
    // Billed at the batch price (half the standard input price), about 6 % above the telemetry.
    const { total } = ratios(batch);
    expect(Math.abs(total / 1.06 - 1)).toBeLessThan(0.01);
    for (const l of batch.filter((x) => x.usage_type === 'input')) {
      const t = telemetryByBucket.get(keyOf(l)) as { tokens: number };
      const standard = listPrice(
        'openai',
        l.model as string,
        'input',
        'standard',
        'standard',
        l.charge_period_start,
      );
      expect(l.billed_cost / t.tokens).toBeLessThan(((standard as number) / 1e6) * 0.6);
    }
  });

  it('OpenAI: a web search line on each day the telemetry has searches, tool:web_search, ~6 % more calls', () => {
    // Act
    const lines = normalised('openai-costs');
    const tools = lines.filter((l) => l.usage_type === 'tool:web_search');
    const days = webSearchDays(lines, 'openai');

    // Assess
    expect(tools.length).toBeGreaterThan(0);
    expect(new Set(tools.map((l) => l.sku))).toEqual(new Set(['web search tool calls']));
    expect(new Set(tools.map((l) => l.model))).toEqual(new Set([null]));
    expect(lines.filter((l) => l.usage_type === 'other')).toEqual([]);
    for (const d of days) {
      expect(d.telemetry).toBeGreaterThan(0);
      // Whole calls, never fewer than the telemetry's, about 6 % more (a fraction of a call rounded up or down).
      expect(Number.isInteger(d.billed)).toBe(true);
      expect(d.billed).toBeGreaterThanOrEqual(d.telemetry);
      expect(d.billed).toBeLessThanOrEqual(Math.ceil(d.telemetry * 1.07));
    }
  });

  it('OpenAI: the left-out model has requests in the traffic and no line on the invoice', () => {
    // Prepare
    const used = traffic.items.some((i) => i.kind === 'call' && i.input.model === UNINVOICED_MODEL);

    // Act
    const lines = normalised('openai-costs');

    // Assess
    expect(used).toBe(true);
    expect(lines.filter((l) => l.model === UNINVOICED_MODEL)).toEqual([]);
    expect(invoice('openai-costs').text).not.toContain(UNINVOICED_MODEL);
    expect(new Set(lines.map((l) => l.model))).toEqual(
      new Set(['gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', null]),
    );
  });

  it('Anthropic: paged cost report in cents with +00:00 offsets and two workspaces, ~3 % above list', () => {
    // Prepare
    const inv = invoice('anthropic-cost-report');
    const pages = JSON.parse(inv.text) as {
      has_more: boolean;
      data: {
        starting_at: string;
        ending_at: string;
        results: {
          amount: unknown;
          token_type: string | null;
          workspace_id: string | null;
          cost_type: string;
        }[];
      }[];
    }[];

    // Act
    const lines = normalised('anthropic-cost-report');
    const { total, buckets } = ratios(lines);

    // Assess
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.has_more)).toEqual([...pages.slice(1).map(() => true), false]);
    const buckets30 = pages.flatMap((p) => p.data);
    expect(buckets30).toHaveLength(30);
    for (const b of buckets30) {
      expect(b.starting_at).toMatch(/^2025-09-\d{2}T00:00:00\+00:00$/);
      expect(b.ending_at).toMatch(/T00:00:00\+00:00$/);
    }
    const results = buckets30.flatMap((b) => b.results);
    for (const r of results) expect(typeof r.amount).toBe('string');
    expect(new Set(results.map((r) => r.workspace_id))).toEqual(
      new Set(['wrkspc_01Support', 'wrkspc_01Summaries']),
    );
    expect(new Set(results.map((r) => r.token_type))).toEqual(
      new Set([
        'uncached_input_tokens',
        'output_tokens',
        'cache_read_input_tokens',
        'cache_creation.ephemeral_5m_input_tokens',
        'cache_creation.ephemeral_1h_input_tokens',
        null,
      ]),
    );
    expect(new Set(lines.map((l) => l.usage_type))).not.toContain('other');
    // Cents: the normalised dollars are the amount string ÷ 100.
    const first = results[0] as { amount: string };
    expect(lines[0]?.billed_cost).toBeCloseTo(Number(first.amount) / 100, 12);
    expect(total).toBeGreaterThan(1.03 * 0.99);
    expect(total).toBeLessThan(1.03 * 1.01);
    expect(buckets.length).toBeGreaterThan(60);
    for (const r of buckets) expect(Math.abs(r / 1.03 - 1)).toBeLessThan(0.01);
  });

  it('Anthropic: batch, long-context and 1-hour cache write lines, normalised to their pricing keys', () => {
    // Prepare
    const results = (
      JSON.parse(invoice('anthropic-cost-report').text) as {
        data: {
          results: {
            service_tier: string | null;
            context_window: string | null;
            token_type: string | null;
          }[];
        }[];
      }[]
    )
      .flatMap((p) => p.data)
      .flatMap((b) => b.results);
    const calls = requests(traffic).filter((c) => c.provider === 'anthropic');
    const longModels = new Set(
      calls
        .filter((c) => contextOf(c.provider, c.model, c.inputTokens, Number(c.startedAt)) === 'long')
        .map((c) => c.model),
    );

    // Act
    const lines = normalised('anthropic-cost-report');
    const batch = lines.filter((l) => l.service_tier === 'batch');
    const long = lines.filter((l) => l.context_tier === 'long');
    const oneHour = lines.filter((l) => l.usage_type === 'cache_write_1h');

    // Assess
    expect(results.filter((r) => r.service_tier === 'batch').length).toBe(batch.length);
    expect(batch.length).toBeGreaterThan(0);
    expect(new Set(batch.map((l) => l.model))).toEqual(
      new Set(calls.filter((c) => c.serviceTier === 'batch').map((c) => c.model)),
    );
    expect(results.filter((r) => r.context_window === '200k-1M').length).toBe(long.length);
    expect(long.length).toBeGreaterThan(0);
    expect(new Set(long.map((l) => l.model))).toEqual(longModels);
    expect(new Set(long.map((l) => l.usage_type))).toContain('input');
    expect(results.filter((r) => r.token_type === 'cache_creation.ephemeral_1h_input_tokens').length).toBe(
      oneHour.length,
    );
    expect(oneHour.length).toBeGreaterThan(0);
    // Each is a bucket of the telemetry with the same pricing key, ~3 % above its list price.
    for (const group of [batch, long, oneHour]) {
      const { total } = ratios(group);
      expect(Math.abs(total / 1.03 - 1)).toBeLessThan(0.01);
    }
    // Long-context input is billed dearer per token than the same model's standard input.
    for (const l of long.filter((x) => x.usage_type === 'input')) {
      const t = telemetryByBucket.get(keyOf(l)) as { tokens: number };
      const standard = listPrice(
        'anthropic',
        l.model as string,
        'input',
        'standard',
        'standard',
        l.charge_period_start,
      );
      expect(l.billed_cost / t.tokens).toBeGreaterThan(((standard as number) / 1e6) * 1.5);
    }
  });

  it('Anthropic: a web_search line on each day the telemetry has searches, tool:web_search, ~3 % more', () => {
    // Prepare
    const results = (
      JSON.parse(invoice('anthropic-cost-report').text) as {
        data: { results: { cost_type: string; model: string | null }[] }[];
      }[]
    )
      .flatMap((p) => p.data)
      .flatMap((b) => b.results);

    // Act
    const lines = normalised('anthropic-cost-report');
    const tools = lines.filter((l) => l.usage_type === 'tool:web_search');
    const days = webSearchDays(lines, 'anthropic');

    // Assess
    expect(results.filter((r) => r.cost_type !== 'tokens' && r.cost_type !== 'web_search')).toEqual([]);
    expect(results.filter((r) => r.cost_type === 'web_search')).toHaveLength(tools.length);
    expect(tools.length).toBeGreaterThan(10);
    expect(new Set(tools.map((l) => l.sku))).toEqual(new Set(['Web Search Usage']));
    expect(new Set(tools.map((l) => l.model))).toEqual(new Set([null]));
    let billed = 0;
    let telemetry = 0;
    for (const d of days) {
      expect(d.telemetry).toBeGreaterThan(0);
      expect(Number.isInteger(d.billed)).toBe(true);
      expect(d.billed).toBeGreaterThanOrEqual(d.telemetry);
      expect(d.billed).toBeLessThanOrEqual(Math.ceil(d.telemetry * 1.04));
      billed += d.billed;
      telemetry += d.telemetry;
    }
    expect(billed / telemetry).toBeGreaterThan(1);
    expect(billed / telemetry).toBeLessThan(1.1);
  });

  it('ListPrices: the full pricing key, the standard/standard row for a tier without one, long above the threshold', () => {
    // Prepare
    const prices = new ListPrices();
    const sonnet = 'claude-sonnet-4-20250514';
    const mini = 'gpt-4o-mini-2024-07-18';
    const longInput = BOOK.find(
      (r) =>
        r.provider === 'anthropic' &&
        r.model === sonnet &&
        r.context_tier === 'long' &&
        r.usage_type === 'input',
    );
    if (!longInput) throw new Error('the default price book has no long-context row for Sonnet 4');
    const above = longInput.long_context_above as number;
    const from = longInput.effective_from;
    const at = Date.parse(`${MONTH}-15T00:00:00Z`);
    const perToken = (usd: number | null | undefined) => (usd as number) / 1e6;

    // Act, Assess: the context tier, as the request_usage view decides it.
    expect(prices.contextTier('anthropic', sonnet, above, from)).toBe('standard');
    expect(prices.contextTier('anthropic', sonnet, above + 1, from)).toBe('long');
    expect(prices.contextTier('anthropic', sonnet, above + 1, from - DAY_MS)).toBe('standard');
    expect(prices.contextTier('anthropic', 'claude-3-5-haiku-20241022', above * 2, at)).toBe('standard');
    expect(prices.perToken('anthropic', sonnet, 'input', at, 'standard', 'long')).toBe(
      perToken(listPrice('anthropic', sonnet, 'input', 'standard', 'long', at)),
    );
    // Batch has its own input price; batch cached input has none: the standard/standard price.
    const batchInput = prices.perToken('openai', mini, 'input', at, 'batch');
    expect(batchInput).toBe(
      perToken(rowAt('openai', mini, 'input', 'batch', 'standard', at)?.usd_per_million_tokens),
    );
    expect(batchInput).toBeLessThan(prices.perToken('openai', mini, 'input', at) as number);
    expect(rowAt('openai', mini, 'cache_read', 'batch', 'standard', at)).toBeUndefined();
    expect(prices.perToken('openai', mini, 'cache_read', at, 'batch')).toBe(
      prices.perToken('openai', mini, 'cache_read', at),
    );
    expect(prices.perToken('openai', mini, 'cache_write_1h', at)).toBeNull();
    // Tools: per call, across models.
    expect(prices.perCall('anthropic', 'web_search', at)).toBe(
      perToken(
        rowAt('anthropic', '*', 'tool:web_search', 'standard', 'standard', at)?.usd_per_million_tokens,
      ),
    );
    expect(prices.perCall('anthropic', 'code_execution', at)).toBeNull();
  });

  it('Bedrock FOCUS: token quantities equal the telemetry, billed at list price exactly, and one Tax row', () => {
    // Prepare
    const text = invoice('focus').text;
    const header = (text.split('\n')[0] as string).split(',');

    // Act
    const lines = normalised('focus');

    // Assess
    for (const column of [
      'BilledCost',
      'ChargeCategory',
      'ConsumedQuantity',
      'ConsumedUnit',
      'x_Model',
      'x_TokenType',
    ]) {
      expect(header).toContain(column);
    }
    expect(new Set(lines.map((l) => l.provider))).toEqual(new Set(['aws.bedrock']));
    const tokens = lines.filter((l) => l.usage_type !== 'other');
    for (const l of tokens) {
      expect([l.service_tier, l.context_tier]).toEqual(['standard', 'standard']);
      const t = telemetryByBucket.get(keyOf(l));
      expect(l.consumed_quantity).toBe(t?.tokens);
      expect(l.billed_cost).toBeCloseTo(t?.listCost ?? Number.NaN, 8);
      expect(l.list_cost).toBe(l.billed_cost);
    }
    expect(new Set(tokens.map((l) => l.usage_type))).toEqual(
      new Set(['input', 'output', 'cache_read', 'cache_write']),
    );
    const other = lines.filter((l) => l.usage_type === 'other');
    expect(other).toHaveLength(1);
    expect(other[0]?.sku).toMatch(/^Tax for Amazon Bedrock/);
    expect(other[0]?.model).toBeNull();
    expect(other[0]?.charge_period_end).toBe(Date.parse('2025-10-01T00:00:00Z'));
    expect(text.split('\n').filter((l) => l.includes(',Tax,'))).toHaveLength(1);
  });
});
