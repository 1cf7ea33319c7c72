import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLED_FACTOR } from '../../src/demo/invoices.ts';
import { type CliRun, queryJson, runCli } from '../cli/run-cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
let run: CliRun;

beforeAll(async () => {
  tmp = await tempDir('tokenledger-demo-margin-');
  lake = join(tmp.dir, 'lake');
  run = await runCli('demo', '--events', '3000', '--month', '2025-09', '--lake', lake);
});
afterAll(async () => {
  await tmp.remove();
});

/** The margin table's rows: cohort, feature and the whole text of the line. */
function marginRows(stdout: string): { cohort: string; feature: string; text: string }[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((text) => /^cohort\s+feature\s+requests/.test(text));
  if (header === -1) throw new Error(`no margin table in:\n${stdout}`);
  const rows: { cohort: string; feature: string; text: string }[] = [];
  for (const text of lines.slice(header + 2)) {
    if (text.trim() === '') break;
    const [cohort = '', feature = ''] = text.trim().split(/\s{2,}/);
    rows.push({ cohort, feature, text });
  }
  return rows;
}

/** A money total of the margin table (`unallocated  1,234.56`), negatives in parentheses. */
function total(stdout: string, label: string): number {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(label));
  const m = /(\(?)([\d,]+\.\d{2})\)?/.exec(line?.slice(line.indexOf(label) + label.length) ?? '');
  if (!m) throw new Error(`no total ${label} in:\n${stdout}`);
  const value = Number((m[2] as string).replaceAll(',', ''));
  return m[1] === '(' ? -value : value;
}

describe('demo: invoices, revenue and the margin table', () => {
  it('writes the invoices and revenue under inputs/ and ingests them as `ingest invoice/revenue` do', () => {
    // Assess
    expect(run.code).toBe(0);
    expect(readdirSync(join(lake, 'inputs')).sort()).toEqual([
      'anthropic-cost-report-2025-09.json',
      'focus-bedrock-2025-09.csv',
      'openai-costs-2025-09.json',
      'revenue-2025-09.csv',
    ]);
    const invoices = run.stdout.split('\n').filter((l) => l.startsWith('Invoices: '));
    expect(invoices).toHaveLength(3);
    // Every OpenAI and Anthropic line is tokens or web search calls; Bedrock's Tax row is the one other line.
    for (const [line, folder] of invoices.map((l, i) => [
      l,
      ['openai-costs', 'anthropic-cost-report', 'focus'][i],
    ])) {
      const other = folder === 'focus' ? ', 1 not tokens \\(usage_type other\\)' : '';
      expect(line).toMatch(new RegExp(`lines, billed \\$[\\d.]+${other} → costs/${folder}/`));
    }
    expect(run.stdout).toMatch(/^Revenue: {2}inputs\/revenue-2025-09\.csv: \d+ rows, \$[\d.]+ → revenue\//m);
    for (const folder of ['costs/openai-costs', 'costs/anthropic-cost-report', 'costs/focus', 'revenue']) {
      expect(readdirSync(join(lake, folder)).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
    }
  });

  it('prints a margin table where the free cohort loses money and customers without requests show as (no usage)', () => {
    // Act
    const rows = marginRows(run.stdout);

    // Assess
    const free = rows.filter((r) => r.cohort === 'free');
    expect(free.length).toBeGreaterThanOrEqual(5);
    for (const r of free) expect(r.text).toMatch(/\) !\s/);
    for (const r of rows.filter((r) => r.cohort !== 'free')) expect(r.text).not.toContain(' !');
    expect(
      rows
        .filter((r) => r.feature === '(no usage)')
        .map((r) => r.cohort)
        .sort(),
    ).toEqual(['enterprise', 'pro']);
  });

  it('totals: billed above allocated (unallocated > 0) and tokens estimated at the price book', () => {
    // Act
    const billed = total(run.stdout, 'billed (invoices)');
    const allocated = total(run.stdout, 'allocated to requests');
    const unallocated = total(run.stdout, 'unallocated  ');
    const estimated = total(run.stdout, 'estimated (price book)');
    const revenue = total(run.stdout, 'revenue  ');

    // Assess
    expect(billed).toBeGreaterThan(allocated);
    expect(unallocated).toBeGreaterThan(0);
    expect(unallocated).toBeCloseTo(billed - allocated, 1);
    expect(estimated).toBeGreaterThan(0);
    expect(revenue).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^total\s+[\d,.]+\s+[\d,.]+\s+[\d,.]+\s+[\d,.]+$/m);
  });

  it('writes the margin report as JSON, CSV and HTML and says where', () => {
    // Assess
    const base = join(lake, 'reports', 'margin', '2025-09', 'margin');
    for (const ext of ['json', 'csv', 'html']) expect(existsSync(`${base}.${ext}`)).toBe(true);
    expect(run.stdout).toContain(`${base}.html`);
    const json = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { totals: { unallocated: number } };
    expect(json.totals.unallocated).toBeGreaterThan(0);
  });
});

/** A bucket of `report reconciliation --format json`. */
interface Bucket {
  provider: string;
  model: string;
  usage_type: string;
  service_tier: string;
  context_tier: string;
  billed: number;
  telemetry_quantity: number;
  allocated: number;
  unallocated: number;
}

describe('demo: the pricing dimensions reconcile', () => {
  let buckets: Bucket[];
  beforeAll(async () => {
    const rec = await runCli(
      'report',
      'reconciliation',
      '--month',
      '2025-09',
      '--format',
      'json',
      '--lake',
      lake,
    );
    if (rec.code !== 0) throw new Error(`report reconciliation failed: ${rec.stderr}`);
    buckets = (JSON.parse(rec.stdout) as { buckets: Record<string, unknown>[] }).buckets.map((b) => ({
      ...(b as unknown as Bucket),
      billed: Number(b.billed),
      telemetry_quantity: Number(b.telemetry_quantity),
      allocated: Number(b.allocated),
      unallocated: Number(b.unallocated),
    }));
  });

  it('has batch, long-context, 1-hour cache write and web search buckets, each allocated to requests', () => {
    // Act
    const kinds: [string, (b: Bucket) => boolean][] = [
      ['openai batch', (b) => b.provider === 'openai' && b.service_tier === 'batch'],
      ['anthropic batch', (b) => b.provider === 'anthropic' && b.service_tier === 'batch'],
      ['long context', (b) => b.context_tier === 'long'],
      ['1-hour cache writes', (b) => b.usage_type === 'cache_write_1h'],
      ['openai web search', (b) => b.provider === 'openai' && b.usage_type === 'tool:web_search'],
      ['anthropic web search', (b) => b.provider === 'anthropic' && b.usage_type === 'tool:web_search'],
    ];

    // Assess
    for (const [kind, matches] of kinds) {
      const found = buckets.filter(matches);
      expect(found.length, kind).toBeGreaterThan(0);
      for (const b of found) {
        expect(b.telemetry_quantity, `${kind} telemetry`).toBeGreaterThan(0);
        expect(b.allocated, `${kind} allocated`).toBeGreaterThan(0);
      }
    }
    expect(new Set(buckets.filter((b) => b.usage_type === 'tool:web_search').map((b) => b.model))).toEqual(
      new Set(['*']),
    );
    expect(buckets.filter((b) => b.usage_type === 'other' && b.provider !== 'aws.bedrock')).toEqual([]);
  });

  it('allocated + unallocated = billed in every bucket; what stays unallocated is the planted untagged spend and tax', () => {
    // Act
    const byProvider = new Map<string, { billed: number; unallocated: number }>();
    for (const b of buckets) {
      expect(b.allocated + b.unallocated).toBeCloseTo(b.billed, 9);
      if (b.usage_type === 'other') continue;
      const t = byProvider.get(b.provider) ?? { billed: 0, unallocated: 0 };
      t.billed += b.billed;
      t.unallocated += b.unallocated;
      byProvider.set(b.provider, t);
    }

    // Assess: per provider, the tokens and calls billed above the telemetry (BILLED_FACTOR), nothing else.
    expect([...byProvider.keys()].sort()).toEqual(['anthropic', 'aws.bedrock', 'openai']);
    for (const [provider, t] of byProvider) {
      const factor = BILLED_FACTOR[provider] ?? 1;
      const planted = 1 - 1 / factor;
      expect(Math.abs(t.unallocated / t.billed - planted), provider).toBeLessThan(0.01);
    }
    const other = buckets.filter((b) => b.usage_type === 'other');
    expect(other.map((b) => [b.provider, b.allocated])).toEqual([['aws.bedrock', 0]]);
  });

  it("prices the nightly digest's batch requests below the same models' standard requests", async () => {
    // Act
    const rows = await queryJson(
      lake,
      `SELECT model, service_tier, feature = 'nightly-digest' AS digest,
         sum(allocated_cost) / sum(tokens) AS unit_cost, count(DISTINCT event_id) AS requests
       FROM request_cost
       WHERE usage_type = 'input' AND tokens > 0
         AND model IN (SELECT DISTINCT model FROM events_dedup WHERE feature = 'nightly-digest')
       GROUP BY 1, 2, 3`,
    );

    // Assess
    const models = new Set(rows.map((r) => String(r.model)));
    expect(models.size).toBe(2);
    for (const model of models) {
      const of = (digest: boolean) => rows.find((r) => r.model === model && r.digest === digest);
      const batch = of(true);
      const standard = of(false);
      expect(batch?.service_tier, model).toBe('batch');
      expect(standard?.service_tier, model).toBe('standard');
      expect(Number(batch?.unit_cost), model).toBeGreaterThan(0);
      expect(Number(batch?.unit_cost), model).toBeLessThan(Number(standard?.unit_cost) * 0.75);
    }
  });
});
