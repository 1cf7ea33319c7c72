import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../cli/run-cli.ts';
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
    for (const [line, folder] of invoices.map((l, i) => [
      l,
      ['openai-costs', 'anthropic-cost-report', 'focus'][i],
    ])) {
      expect(line).toMatch(
        new RegExp(`lines, billed \\$[\\d.]+, \\d+ not tokens \\(usage_type other\\) → costs/${folder}/`),
      );
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
