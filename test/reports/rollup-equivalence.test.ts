import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import type { CostLine } from '../../src/core/costs/cost-line.ts';
import type { PriceRow } from '../../src/core/prices/price-book.ts';
import { ROLLUP_TABLES } from '../../src/core/rollups/rollup-columns.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { type Month, parseMonth } from '../../src/reports/month.ts';
import { buildDemoLake } from '../helpers/demo-lake.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 14 item 4: every report figure read from the daily rollups (queries/reports/*.sql over usage_hourly,
// group_cost, users_daily, customer_features_daily) equals the figure the pre-rollup reports computed from the raw
// events request by request. The reference is the old SQL, kept in test/fixtures/raw-reports/: the old reports,
// over ref_request_cost and ref_bucket_reconciliation (the old per-request views, whose telemetry is request_usage
// over events_dedup), so the reference path never reads a rollup.

const RAW = join(import.meta.dirname, '../fixtures/raw-reports');
const rawSql = (name: string) => readFileSync(join(RAW, `${name}.sql`), 'utf8');
const rollupSql = (name: string) => readFileSync(join(QUERIES_DIR, 'reports', `${name}.sql`), 'utf8');

type Row = Record<string, unknown>;

/** A report query: how each version takes its parameters, the columns a row is keyed by, the integer columns. */
interface ReportSpec {
  readonly name: string;
  readonly keys: readonly string[];
  readonly integers: readonly string[];
  readonly rawParams: (m: Month) => string[];
  readonly rollupParams: (m: Month) => string[];
  /** The SQL file's name when the spec's name is not (several specs of one query). */
  readonly file?: string;
}

/**
 * One window of a deploy change (deploy_change.sql) of a prompt: `day` at `hour` UTC and the 24 hours from then.
 * The reference reads the requests of those hours one by one; the report, the hourly rollups.
 */
function deployWindow(name: string, promptId: string, day: string, hour: number): ReportSpec {
  const start = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
  const instant = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const [firstDt, lastDt] = [day, new Date(start + 86_400_000 - 1).toISOString().slice(0, 10)];
  const bounds = [promptId, firstDt, lastDt, instant(start), instant(start + 86_400_000)];
  return {
    name,
    file: 'deploy_change',
    keys: [],
    integers: ['requests'],
    rawParams: () => [...bounds, firstDt, lastDt],
    rollupParams: () => [...bounds, ...bounds, ...bounds],
  };
}

const TOKENS = ['input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'output_tokens'];
const REPORTS: readonly ReportSpec[] = [
  {
    name: 'margin',
    keys: ['cohort', 'feature'],
    integers: ['requests', 'active_users', ...TOKENS],
    rawParams: (m) => [m.from, m.to, m.from, m.to, m.month],
    rollupParams: (m) => [m.from, m.to, m.from, m.to, m.from, m.to, m.from, m.to, m.month],
  },
  {
    name: 'margin_totals',
    keys: [],
    integers: ['unpriced_requests', 'invoice_lines'],
    rawParams: (m) => [m.from, m.to, m.from, m.to, m.month],
    rollupParams: (m) => [m.from, m.to, m.from, m.to, m.from, m.to, m.month],
  },
  {
    name: 'margin_coverage',
    keys: ['provider'],
    integers: ['requests', 'without_input', 'estimated_input', 'invoice_lines'],
    rawParams: (m) => [m.from, m.to, m.from, m.to],
    rollupParams: (m) => [m.from, m.to, m.from, m.to],
  },
  {
    name: 'margin_unpriced',
    keys: ['provider', 'model'],
    integers: ['requests'],
    rawParams: (m) => [m.from, m.to],
    rollupParams: (m) => [m.from, m.to],
  },
  {
    name: 'waste',
    keys: ['feature', 'provider', 'model'],
    integers: ['requests', 'cancelled_requests', 'wasted_output_tokens'],
    rawParams: (m) => [m.from, m.to],
    rollupParams: (m) => [m.from, m.to],
  },
  {
    name: 'reconciliation_providers',
    keys: ['provider'],
    integers: ['invoice_lines', 'requests'],
    rawParams: (m) => [m.from, m.to, m.from, m.to, m.from, m.to],
    rollupParams: (m) => [m.from, m.to, m.from, m.to, m.from, m.to],
  },
  {
    name: 'prompt_groups',
    keys: ['prompt_id', 'prompt_version', 'cohort', 'hour'],
    integers: ['requests'],
    rawParams: (m) => [m.from, m.to],
    rollupParams: (m) => [m.from, m.to],
  },
  {
    name: 'customers',
    keys: ['customer_id'],
    integers: ['requests'],
    rawParams: (m) => [m.from, m.to, m.from, m.to, m.month],
    rollupParams: (m) => [m.from, m.to, m.from, m.to, m.month],
  },
  {
    name: 'runs',
    keys: ['feature', 'runaway_trace_id', 'runaway_model'],
    integers: [
      'runs',
      'requests_per_run_p50',
      'requests_per_run_p95',
      'escalated_runs',
      ...Array.from({ length: 12 }, (_, i) => `runs_cost_bin_${i}`),
      'runaway_requests',
      'runaway_model_requests',
    ],
    // a runaway factor of 2, so the generated runs have some
    rawParams: (m) => [m.from, m.to, '2'],
    rollupParams: (m) => [m.from, m.to, '2'],
  },
  // Deploy-change windows: across midnight, a whole day, and (for the demo month) the windows its prompts have.
  deployWindow('deploy_change p1 across midnight', 'p1', '2026-10-06', 7),
  deployWindow('deploy_change p2 a whole day', 'p2', '2026-10-08', 0),
  deployWindow('deploy_change summarize-thread', 'summarize-thread', '2025-09-10', 13),
  deployWindow('deploy_change support-agent', 'support-agent', '2025-09-20', 5),
];

/** Creates the reference views (the old per-request request_cost and bucket_reconciliation) in the engine. */
async function installReference(engine: LocalQueryEngine): Promise<void> {
  await engine.run(rawSql('ref_bucket_reconciliation'));
  await engine.run(rawSql('ref_request_cost'));
}

const keyOf = (row: Row, keys: readonly string[]) => JSON.stringify(keys.map((k) => row[k] ?? null));

/** Money and ratios: equal to 9 decimals, or within a relative 1e-12 (large sums). */
function closeEnough(a: number, b: number): boolean {
  const diff = Math.abs(a - b);
  return diff < 5e-10 || diff <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/** Every difference between the two versions of a report's rows, as text ([] when they agree). */
function differences(spec: ReportSpec, raw: Row[], rolled: Row[]): string[] {
  const out: string[] = [];
  const sort = (rows: Row[]) =>
    [...rows].sort((x, y) => keyOf(x, spec.keys).localeCompare(keyOf(y, spec.keys)));
  const [a, b] = [sort(raw), sort(rolled)];
  const rawKeys = a.map((r) => keyOf(r, spec.keys));
  const rolledKeys = b.map((r) => keyOf(r, spec.keys));
  if (JSON.stringify(rawKeys) !== JSON.stringify(rolledKeys)) {
    out.push(`${spec.name}: rows differ: raw ${rawKeys.join(' ')} | rollup ${rolledKeys.join(' ')}`);
    return out;
  }
  a.forEach((rawRow, i) => {
    const rolledRow = b[i] as Row;
    const columns = new Set([...Object.keys(rawRow), ...Object.keys(rolledRow)]);
    for (const column of columns) {
      const [x, y] = [rawRow[column], rolledRow[column]];
      const where = `${spec.name} ${rawKeys[i]} ${column}: raw ${String(x)}, rollup ${String(y)}`;
      if (!(column in rawRow) || !(column in rolledRow)) out.push(`${where} (column missing)`);
      else if (x === null || y === null || x === undefined || y === undefined) {
        if ((x ?? null) !== (y ?? null)) out.push(where);
      } else if (spec.integers.includes(column)) {
        if (Number(x) !== Number(y) || !Number.isInteger(Number(x))) out.push(where);
      } else if (typeof x === 'number' || typeof x === 'bigint') {
        if (!closeEnough(Number(x), Number(y))) out.push(where);
      } else if (String(x) !== String(y)) out.push(where);
    }
  });
  return out;
}

/**
 * Runs every report both ways — the old per-request SQL over the raw events and the report SQL over the rollups —
 * and asserts they agree figure by figure. Returns the reference rows per report, for the scenario's own checks.
 */
async function expectReportsEqual(engine: LocalQueryEngine, m: Month): Promise<Record<string, Row[]>> {
  const reference: Record<string, Row[]> = {};
  const found: string[] = [];
  for (const spec of REPORTS) {
    const raw = await engine.run(rawSql(spec.file ?? spec.name), spec.rawParams(m));
    const rolled = await engine.run(rollupSql(spec.file ?? spec.name), spec.rollupParams(m));
    found.push(...differences(spec, raw, rolled));
    reference[spec.name] = raw;
  }
  expect(found).toEqual([]);
  return reference;
}

const sumOf = (rows: Row[] | undefined, column: string) =>
  (rows ?? []).reduce((s, r) => s + Number(r[column] ?? 0), 0);

/** What the checks beyond equality need: the month's request count, and that every part of the report is live. */
function expectNonTrivial(reports: Record<string, Row[]>, requests: number): void {
  expect(sumOf(reports.margin, 'requests')).toBe(requests);
  expect(sumOf(reports.margin_coverage, 'requests')).toBe(requests);
  expect(sumOf(reports.waste, 'requests')).toBe(requests);
  const [totals] = reports.margin_totals ?? [];
  expect(Number(totals?.allocated)).toBeGreaterThan(0);
  expect(Number(totals?.estimated)).toBeGreaterThan(0);
  expect(Number(totals?.revenue)).toBeGreaterThan(0);
  expect(sumOf(reports.waste, 'wasted_cost')).toBeGreaterThan(0);
  expect(sumOf(reports.margin, 'active_users')).toBeGreaterThan(0);
  // customers: every request; runs: escalations, runaways at factor 2
  expect(sumOf(reports.customers, 'requests')).toBe(requests);
  expect(sumOf(reports.customers, 'cost')).toBeCloseTo(Number(totals?.cost), 6);
  const features = [...new Map((reports.runs ?? []).map((r) => [r.feature, r])).values()];
  expect(sumOf(features, 'runs')).toBeGreaterThan(10);
  expect(sumOf(features, 'escalated_runs')).toBeGreaterThan(0);
  expect(reports.runs?.some((r) => r.runaway_trace_id !== null)).toBe(true);
}

// ---------------------------------------------------------------------------------------------------------------
// Scenario a: a generated month.

const OCT = parseMonth('2026-10') as Month;
const DAYS = Array.from({ length: 10 }, (_, i) => `2026-10-${String(5 + i).padStart(2, '0')}`);
const at = (day: string, h = 0) => Date.parse(`${day}T${String(h).padStart(2, '0')}:00:00Z`);

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FEATURES = ['chat', 'search', 'summarize', 'draft-email'];
const COHORTS = ['free', 'pro', 'enterprise'];

/** `n` requests over DAYS, of openai model-a (and its alias), anthropic claude-x (and an unknown alias), acme. */
function generateEvents(n: number, seed: number, prefix: string, days = DAYS): Record<string, unknown>[] {
  const r = random(seed);
  const int = (max: number) => Math.floor(r() * max);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)] as T;
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const day = days[i % days.length] as string;
    const ts = new Date(at(day) + int(86_400_000)).toISOString();
    const which = r();
    const provider = which < 0.45 ? 'openai' : which < 0.88 ? 'anthropic' : 'acme';
    let model = 'mystery-1';
    if (provider === 'openai') model = r() < 0.2 ? 'model-a-latest' : 'model-a';
    if (provider === 'anthropic') model = r() < 0.08 ? 'claude-x-latest' : 'claude-x';
    const long = provider === 'anthropic' && r() < 0.15;
    const input = long ? 150_000 + int(150_000) : r() < 0.05 ? 0 : 100 + int(20_000);
    const cacheRead = input > 0 && r() < 0.5 ? int(input / 2) : 0;
    const cacheWrite = input > 0 && r() < 0.3 ? int((input - cacheRead) / 2) : 0;
    const cacheWrite1h = provider === 'anthropic' && cacheWrite > 0 && r() < 0.5 ? int(cacheWrite) : 0;
    const output = r() < 0.05 ? 0 : 1 + int(3000);
    const s = r();
    const status = s < 0.15 ? 'cancelled' : s < 0.2 ? 'error' : 'ok';
    const event: Record<string, unknown> = {
      event_id: `${prefix}_${String(i).padStart(5, '0')}`,
      ts,
      feature: pick(FEATURES),
      cohort: pick(COHORTS),
      customer_id: r() < 0.1 ? null : `cus_${1 + int(6)}`,
      user_hash: r() < 0.1 ? null : String(int(9)).repeat(64),
      provider,
      model,
      input_tokens: input,
      cache_read_tokens: cacheRead,
      cache_write_tokens: cacheWrite,
      cache_write_1h_tokens: cacheWrite1h,
      output_tokens: output,
      reasoning_tokens: int(output / 4),
      status,
      // Latencies repeat (whole 10 ms), so equal values meet across hours in a deploy window's p95; some are
      // missing.
      latency_ms: r() < 0.05 ? undefined : 10 * (10 + int(500)),
    };
    const prompt = r();
    if (prompt < 0.4) Object.assign(event, { prompt_id: 'p1', prompt_version: r() < 0.5 ? 'v1' : 'v2' });
    else if (prompt < 0.7) Object.assign(event, { prompt_id: 'p2', prompt_version: 'v1' });
    if (status === 'cancelled') event.delivered_output_tokens = int(output + 1);
    else if (r() < 0.1) event.delivered_output_tokens = int(output + 1); // a stream cut short without a cancel
    if (provider === 'openai' && r() < 0.15) event.service_tier = 'batch';
    if (provider === 'anthropic' && r() < 0.3) event.tool_calls = { web_search: 1 + int(3) };
    if (r() < 0.05) event.tags = { input_tokens: 'estimated' };
    // Runs of up to four requests over four consecutive days (requests go round the days), their features and models
    // as drawn: two of every three requests carry a trace id, without drawing from the generator.
    if (i % 3 !== 2) event.trace_id = `run_${prefix}_${String(Math.floor(i / 4)).padStart(4, '0')}`;
    events.push(wireEvent(event));
  }
  return events;
}

const PRICES: Partial<PriceRow>[] = [
  { provider: 'openai', model: 'model-a', usage_type: 'input', usd_per_million_tokens: 2.5 },
  { provider: 'openai', model: 'model-a', usage_type: 'cache_read', usd_per_million_tokens: 1.25 },
  { provider: 'openai', model: 'model-a', usage_type: 'output', usd_per_million_tokens: 10 },
  {
    provider: 'openai',
    model: 'model-a',
    usage_type: 'input',
    service_tier: 'batch',
    usd_per_million_tokens: 1.25,
  },
  {
    provider: 'openai',
    model: 'model-a',
    usage_type: 'output',
    service_tier: 'batch',
    usd_per_million_tokens: 5,
  },
  {
    provider: 'openai',
    model: 'model-a-latest',
    usage_type: 'alias',
    alias_of: 'model-a',
    usd_per_million_tokens: 0,
  },
  { provider: 'anthropic', model: 'claude-x', usage_type: 'input', usd_per_million_tokens: 3 },
  { provider: 'anthropic', model: 'claude-x', usage_type: 'cache_read', usd_per_million_tokens: 0.3 },
  { provider: 'anthropic', model: 'claude-x', usage_type: 'cache_write', usd_per_million_tokens: 3.75 },
  { provider: 'anthropic', model: 'claude-x', usage_type: 'cache_write_1h', usd_per_million_tokens: 6 },
  { provider: 'anthropic', model: 'claude-x', usage_type: 'output', usd_per_million_tokens: 15 },
  {
    provider: 'anthropic',
    model: 'claude-x',
    usage_type: 'input',
    context_tier: 'long',
    long_context_above: 200_000,
    usd_per_million_tokens: 6,
  },
  {
    provider: 'anthropic',
    model: 'claude-x',
    usage_type: 'output',
    context_tier: 'long',
    long_context_above: 200_000,
    usd_per_million_tokens: 22.5,
  },
  { provider: 'anthropic', model: '*', usage_type: 'tool:web_search', usd_per_million_tokens: 10_000 },
];

function invoiceLines(): Partial<CostLine>[] {
  const lines: Partial<CostLine>[] = [];
  const openai = { provider: 'openai', model: 'model-a', billing_account_id: 'proj_1' };
  // Daily model-a lines for the first six days: input with a consumed quantity on even days (above or below the
  // telemetry), without on odd ones; output without; cache reads on three days; one batch input line; a credit.
  DAYS.slice(0, 6).forEach((day, i) => {
    const period = { charge_period_start: at(day), charge_period_end: at(DAYS[i + 1] as string) };
    lines.push({
      ...openai,
      ...period,
      usage_type: 'input',
      billed_cost: 0.05 + 0.01 * i,
      consumed_quantity: i % 2 === 0 ? (i === 0 ? 5_000_000 : 10_000) : null,
    });
    lines.push({
      ...openai,
      ...period,
      usage_type: 'output',
      billed_cost: 0.4 + 0.03 * i,
      consumed_quantity: null,
    });
    if (i < 3)
      lines.push({
        ...openai,
        ...period,
        usage_type: 'cache_read',
        billed_cost: 0.02,
        consumed_quantity: null,
      });
  });
  const d6 = { charge_period_start: at('2026-10-06'), charge_period_end: at('2026-10-07') };
  lines.push({
    ...openai,
    ...d6,
    usage_type: 'input',
    service_tier: 'batch',
    billed_cost: 0.01,
    consumed_quantity: null,
  });
  lines.push({
    ...openai,
    charge_period_start: at('2026-10-12'),
    charge_period_end: at('2026-10-13'),
    usage_type: 'output',
    billed_cost: -0.5,
    sku: 'credit',
  });
  // Anthropic: a monthly charge period; standard and long input, output with a quantity, tools, tax, a line
  // without a model.
  const month = {
    provider: 'anthropic',
    charge_period_start: at('2026-10-01'),
    charge_period_end: at('2026-11-01'),
  };
  lines.push({ ...month, model: 'claude-x', usage_type: 'input', billed_cost: 1.5, consumed_quantity: null });
  lines.push({ ...month, model: 'claude-x', usage_type: 'input', context_tier: 'long', billed_cost: 9 });
  lines.push({
    ...month,
    model: 'claude-x',
    usage_type: 'output',
    billed_cost: 3,
    consumed_quantity: 150_000,
  });
  lines.push({
    ...month,
    model: 'claude-x',
    usage_type: 'cache_write_1h',
    billed_cost: 0.2,
    consumed_quantity: 1,
  });
  lines.push({
    ...month,
    model: null,
    usage_type: 'tool:web_search',
    billed_cost: 0.8,
    consumed_quantity: null,
  });
  lines.push({ ...month, model: null, usage_type: 'other', billed_cost: 1.25, sku: 'Tax' });
  lines.push({ ...month, model: null, usage_type: 'input', billed_cost: 0.3, sku: 'unattributed' });
  return lines;
}

const REVENUE = [
  { customer_id: 'cus_1', cohort: 'pro', amount: 40 },
  { customer_id: 'cus_2', cohort: 'pro', amount: 25 },
  { customer_id: 'cus_3', cohort: 'enterprise', amount: 120 },
  { customer_id: 'cus_4', cohort: 'free', amount: 0 },
  { customer_id: 'cus_5', cohort: 'enterprise', amount: 60 },
  { customer_id: 'cus_9', cohort: 'pro', amount: 15 }, // no requests: '(no usage)'
].map((r) => ({ ...r, month: '2026-10' }));

/** The .parquet files under each rollup folder's dt=<day>/, by folder. */
function rollFiles(dir: string, day: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of ROLLUP_TABLES) {
    try {
      out[t.folder] = readdirSync(join(dir, t.folder, `dt=${day}`)).filter((f) => f.endsWith('.parquet'));
    } catch {
      out[t.folder] = [];
    }
  }
  return out;
}

describe('rollup reports equal the per-request reports over raw events: a generated month', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let engine: LocalQueryEngine;
  let requests = 0;

  beforeAll(async () => {
    tmp = await tempDir('tokenledger-rollup-eq-');
    const lake = new LakeFixture(tmp.dir);
    const events = generateEvents(600, 14, 'gen');
    requests = events.length;
    // Two batches (two event objects per day); each also carries copies of some events of the other: the same
    // event_id in two objects of the same day.
    const [first, second] = [events.filter((_, i) => i % 2 === 0), events.filter((_, i) => i % 2 === 1)];
    await lake.events([...first, ...second.filter((_, i) => i % 7 === 0)]);
    await lake.events([...second, ...first.filter((_, i) => i % 5 === 0)]);
    await lake.prices(PRICES);
    await lake.costs(invoiceLines());
    await lake.revenue(REVENUE);
  });
  afterAll(async () => {
    engine?.close();
    await tmp.remove();
  });

  it('a: rolled up, then read by a new engine, every report equals the raw one', async () => {
    const first = await rollUpLocalLake(tmp.dir);
    expect(first.rolled.map((r) => [r.day, r.reason])).toEqual(DAYS.map((d) => [d, 'new']));
    engine = await LocalQueryEngine.open(tmp.dir);
    await installReference(engine);
    // The duplicates are there in the raw events, and counted once.
    const [stored] = await engine.run('SELECT count(*) AS n FROM events');
    expect(Number(stored?.n)).toBeGreaterThan(requests);

    const reports = await expectReportsEqual(engine, OCT);
    expectNonTrivial(reports, requests);
    expect(reports.margin?.map((r) => r.feature)).toContain('(no usage)');
    // requests without a customer are a row of their own; a customer with revenue and no requests is one too
    expect(reports.customers?.some((r) => r.customer_id === null && Number(r.cost) > 0)).toBe(true);
    expect(reports.customers?.some((r) => Number(r.requests) === 0 && Number(r.revenue) > 0)).toBe(true);
    expect(sumOf(reports.margin_unpriced, 'requests')).toBeGreaterThan(0);
    expect(Number(reports.margin_totals?.[0]?.unpriced_requests)).toBeGreaterThan(0);
    expect(sumOf(reports.margin_coverage, 'without_input')).toBeGreaterThan(0);
    expect(sumOf(reports.margin_coverage, 'estimated_input')).toBeGreaterThan(0);
    expect(reports.reconciliation_providers?.map((r) => r.provider)).toEqual(['acme', 'anthropic', 'openai']);
    const [p1] = reports['deploy_change p1 across midnight'] ?? [];
    expect(Number(p1?.requests)).toBeGreaterThan(10);
    expect(Number(p1?.cost_per_request)).toBeGreaterThan(0);
    expect(Number(p1?.p95_latency_ms)).toBeGreaterThan(0);
    expect(reports.prompt_groups?.length).toBeGreaterThan(100);
  });

  it('b: a late batch into a rolled day re-rolls that day alone ("late events"), and the reports still agree', async () => {
    const late = generateEvents(5, 99, 'late', ['2026-10-08']);
    await new LakeFixture(tmp.dir).events(late);
    const result = await rollUpLocalLake(engine);
    expect(result.rolled.map((r) => [r.day, r.reason])).toEqual([['2026-10-08', 'late events']]);
    expect(result.current).toEqual(DAYS.filter((d) => d !== '2026-10-08'));
    requests += late.length;

    const reports = await expectReportsEqual(engine, OCT);
    expectNonTrivial(reports, requests);
  });

  it('c: a day forced twice keeps exactly one roll per rollup table, and the reports still agree', async () => {
    const day = '2026-10-09';
    const once = await rollUpLocalLake(engine, { days: [day], force: true });
    const twice = await rollUpLocalLake(engine, { days: [day], force: true });
    expect(once.rolled.map((r) => [r.day, r.reason])).toEqual([[day, 'forced']]);
    expect(twice.rolled.map((r) => [r.day, r.reason])).toEqual([[day, 'forced']]);
    const rollId = twice.rolled[0]?.rollId as string;
    expect(rollId > (once.rolled[0]?.rollId as string)).toBe(true);
    for (const [folder, files] of Object.entries(rollFiles(tmp.dir, day))) {
      expect({ folder, files }).toEqual({ folder, files: [`${rollId}.parquet`] });
    }
    const [rolls] = await engine.run('SELECT count(*) AS n FROM rollup_rolls WHERE dt = ?', [day]);
    expect(Number(rolls?.n)).toBe(1);

    const reports = await expectReportsEqual(engine, OCT);
    expectNonTrivial(reports, requests);
  });

  it('d: a new long-context threshold and a new alias re-roll every day ("dimensions changed"), and the reports still agree', async () => {
    const lake = new LakeFixture(tmp.dir);
    const from = Date.parse('2026-10-10T00:00:00Z');
    await lake.prices([
      // From Oct 10 the long input rows start above 150,000: requests of 150,001..200,000 become long.
      {
        provider: 'anthropic',
        model: 'claude-x',
        usage_type: 'input',
        context_tier: 'long',
        long_context_above: 150_000,
        usd_per_million_tokens: 5,
        effective_from: from,
      },
      {
        provider: 'anthropic',
        model: 'claude-x-latest',
        usage_type: 'alias',
        alias_of: 'claude-x',
        usd_per_million_tokens: 0,
      },
    ]);
    const before = await engine.run(rollupSql('margin_unpriced'), [OCT.from, OCT.to]);
    expect(before.map((r) => r.model)).toContain('claude-x-latest');
    await engine.reloadTables();

    const result = await rollUpLocalLake(engine);
    expect(result.rolled.map((r) => [r.day, r.reason])).toEqual(DAYS.map((d) => [d, 'dimensions changed']));

    const reports = await expectReportsEqual(engine, OCT);
    expectNonTrivial(reports, requests);
    expect(reports.margin_unpriced?.map((r) => r.model)).not.toContain('claude-x-latest');
    const [long] = await engine.run(
      "SELECT sum(requests) AS n FROM usage_hourly WHERE context_tier = 'long' AND dt >= '2026-10-10' AND model = 'claude-x'",
    );
    const [longRaw] = await engine.run(
      `SELECT count(DISTINCT event_id) AS n FROM ref_request_cost
       WHERE context_tier = 'long' AND dt >= '2026-10-10' AND model = 'claude-x'`,
    );
    expect(Number(long?.n)).toBe(Number(longRaw?.n));
    expect(Number(long?.n)).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Scenario e: the demo month (src/demo traffic, invoices and revenue, as `tokenledger demo` builds it).

describe('rollup reports equal the per-request reports over raw events: the demo month', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let lakeDir: string;
  let requests = 0;
  const month = '2025-09';

  beforeAll(async () => {
    tmp = await tempDir('tokenledger-rollup-eq-demo-');
    lakeDir = join(tmp.dir, 'lake');
    ({ requests } = await buildDemoLake(lakeDir, tmp.dir, { month, requests: 3000 }));
  });
  afterAll(async () => {
    await tmp.remove();
  });

  it('e: every report of the demo month equals the raw one', async () => {
    const engine = await LocalQueryEngine.open(lakeDir);
    try {
      const result = await rollUpLocalLake(engine);
      expect(result.rolled.length).toBeGreaterThanOrEqual(28);
      expect(new Set(result.rolled.map((r) => r.reason))).toEqual(new Set(['new']));
      await installReference(engine);
      expect(requests).toBeGreaterThan(2500);

      const reports = await expectReportsEqual(engine, parseMonth(month) as Month);
      expectNonTrivial(reports, requests);
      expect(reports.reconciliation_providers?.length).toBeGreaterThanOrEqual(3);
      for (const window of ['deploy_change summarize-thread', 'deploy_change support-agent']) {
        expect(Number(reports[window]?.[0]?.requests)).toBeGreaterThan(10);
      }
    } finally {
      engine.close();
    }
  });
});
