import { describe, expect, it } from 'vitest';
import { defaultPriceBook } from '../../src/adapters/local/default-price-book.ts';
import type { CostLine } from '../../src/core/costs/cost-line.ts';
import { normaliseInvoice } from '../../src/core/costs/normalise/index.ts';
import { type DemoInvoice, demoInvoices, UNINVOICED_MODEL } from '../../src/demo/invoices.ts';
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

type Usage = 'input' | 'cache_read' | 'cache_write' | 'output';

/** Telemetry computed here on its own: tokens and list cost per provider|model|usage|day, deduplicated. */
function telemetry(t: Traffic): Map<string, { tokens: number; listCost: number }> {
  const seen = new Set<string>();
  const out = new Map<string, { tokens: number; listCost: number }>();
  for (const item of t.items) {
    if (item.kind !== 'call') continue;
    const c = item.input;
    if (seen.has(c.eventId as string)) continue;
    seen.add(c.eventId as string);
    const read = c.cacheReadTokens ?? 0;
    const write = c.cacheWriteTokens ?? 0;
    const tokens: Record<Usage, number> = {
      input: c.inputTokens - read - write,
      cache_read: read,
      cache_write: write,
      output: c.outputTokens,
    };
    const day = Math.floor(Number(c.startedAt) / DAY_MS) * DAY_MS;
    for (const usage of Object.keys(tokens) as Usage[]) {
      if (tokens[usage] === 0) continue;
      const price = listPrice(c.provider, c.model, usage, day);
      if (price === null) continue;
      const key = [c.provider, c.model, usage, day].join('|');
      const sum = out.get(key) ?? { tokens: 0, listCost: 0 };
      sum.tokens += tokens[usage];
      sum.listCost += (tokens[usage] * price) / 1e6;
      out.set(key, sum);
    }
  }
  return out;
}

function listPrice(provider: string, model: string, usage: Usage, at: number): number | null {
  const rows = defaultPriceBook()
    .filter((p) => p.provider === provider && p.model === model && p.usage_type === usage)
    .filter((p) => p.effective_from <= at && (p.effective_to === null || at < p.effective_to))
    .sort((a, b) => b.effective_from - a.effective_from);
  return rows[0]?.usd_per_million_tokens ?? null;
}

const telemetryByBucket = telemetry(traffic);

/** Billed token lines ÷ list-price cost of the telemetry, per bucket and in total. */
function ratios(lines: CostLine[]): { total: number; buckets: number[] } {
  const billed = new Map<string, number>();
  for (const l of lines) {
    if (l.usage_type === 'other') continue;
    const key = [l.provider, l.model, l.usage_type, l.charge_period_start].join('|');
    billed.set(key, (billed.get(key) ?? 0) + l.billed_cost);
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
      new Set(['input', 'output', 'cached input', 'web search tool calls']),
    );
    expect(total).toBeGreaterThan(1.06 * 0.99);
    expect(total).toBeLessThan(1.06 * 1.01);
    expect(buckets.length).toBeGreaterThan(60);
    for (const r of buckets) expect(Math.abs(r / 1.06 - 1)).toBeLessThan(0.01);
  });

  it('OpenAI: a web search line a day, as usage type other without a model', () => {
    // Act
    const other = normalised('openai-costs').filter((l) => l.usage_type === 'other');

    // Assess
    expect(other).toHaveLength(30);
    expect(new Set(other.map((l) => l.sku))).toEqual(new Set(['web search tool calls']));
    expect(new Set(other.map((l) => l.model))).toEqual(new Set([null]));
    expect(new Set(other.map((l) => l.charge_period_start)).size).toBe(30);
    for (const l of other) expect(l.billed_cost).toBeGreaterThan(0);
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
        null,
      ]),
    );
    // Cents: the normalised dollars are the amount string ÷ 100.
    const first = results[0] as { amount: string };
    expect(lines[0]?.billed_cost).toBeCloseTo(Number(first.amount) / 100, 12);
    expect(total).toBeGreaterThan(1.03 * 0.99);
    expect(total).toBeLessThan(1.03 * 1.01);
    expect(buckets.length).toBeGreaterThan(60);
    for (const r of buckets) expect(Math.abs(r / 1.03 - 1)).toBeLessThan(0.01);
  });

  it('Anthropic: one web_search line, usage type other', () => {
    // Prepare
    const results = (
      JSON.parse(invoice('anthropic-cost-report').text) as { data: { results: { cost_type: string }[] }[] }[]
    )
      .flatMap((p) => p.data)
      .flatMap((b) => b.results);

    // Act
    const other = normalised('anthropic-cost-report').filter((l) => l.usage_type === 'other');

    // Assess
    expect(results.filter((r) => r.cost_type === 'web_search')).toHaveLength(1);
    expect(results.filter((r) => r.cost_type !== 'tokens' && r.cost_type !== 'web_search')).toEqual([]);
    expect(other).toHaveLength(1);
    expect(other[0]?.sku).toBe('Web Search Usage');
    expect(other[0]?.billed_cost).toBeGreaterThan(0);
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
      const t = telemetryByBucket.get([l.provider, l.model, l.usage_type, l.charge_period_start].join('|'));
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
