import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { runCli, snapshot } from './run-cli.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
beforeEach(async () => {
  tmp = await tempDir();
  lake = join(tmp.dir, 'lake');
});
afterEach(async () => {
  await tmp.remove();
});

const file = (name: string, text: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};

const FOCUS_HEADER =
  'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,ProviderName,SkuMeter,x_Model';

describe('ingest invoice / revenue and report margin through the CLI', () => {
  it('imports, reports docs/contracts.md §9 JSON with its keys in order, and writes JSON, CSV and HTML reports', async () => {
    // Prepare: 2 requests of gpt-4o-mini on 2026-11-02 (1,000 input tokens each, no cache), an invoice for them.
    const events = file(
      'events.jsonl',
      [1, 2]
        .map((i) =>
          line(
            wireEvent({
              model: 'gpt-4o-mini-2024-07-18',
              customer_id: 'cus_a',
              cache_read_tokens: 0,
              input_tokens: 1000,
              output_tokens: 0,
              event_id: `evt_cli_${i}xx`,
            }),
          ),
        )
        .join('\n'),
    );
    const focus = file(
      'focus.csv',
      `${FOCUS_HEADER}\n0.0004,USD,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,2000,Tokens,OpenAI,input tokens,gpt-4o-mini-2024-07-18\n`,
    );
    const revenue = file(
      'revenue.csv',
      'month,customer_id,cohort,amount,currency\n2026-11,cus_a,pro,10.00,USD\n',
    );

    // Act
    expect((await runCli('ingest', 'events', events, '--lake', lake)).code).toBe(0);
    const invoice = await runCli('ingest', 'invoice', focus, '--format', 'focus', '--lake', lake);
    const again = await runCli('ingest', 'invoice', focus, '--format', 'focus', '--lake', lake);
    expect((await runCli('ingest', 'revenue', revenue, '--lake', lake)).code).toBe(0);
    const report = await runCli('report', 'margin', '--month', '2026-11', '--format', 'json', '--lake', lake);

    // Assess
    expect(invoice.code).toBe(0);
    expect(again.stdout).toContain('already imported');
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout);
    expect(Object.keys(json)).toEqual(['month', 'currency', 'rows', 'totals', 'warnings']);
    expect(Object.keys(json.rows[0])).toEqual([
      'cohort',
      'feature',
      'requests',
      'active_users',
      'input_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'output_tokens',
      'cost',
      'revenue',
      'margin',
      'margin_pct',
      'cost_per_request',
      'cost_per_user',
    ]);
    expect(Object.keys(json.totals)).toEqual([
      'billed',
      'allocated',
      'unallocated',
      'estimated',
      'coverage',
      'revenue',
      'cost',
      'margin',
      'margin_after_all_spend',
    ]);
    expect(json.rows).toEqual([
      expect.objectContaining({ cohort: 'pro', feature: 'draft-email', requests: 2, revenue: 10 }),
    ]);
    expect(json.rows[0].cost).toBeCloseTo(0.0004, 12);
    expect(json.totals).toMatchObject({
      billed: 0.0004,
      allocated: expect.closeTo(0.0004, 12),
      coverage: expect.closeTo(1, 9),
      revenue: 10,
    });
    const base = join(lake, 'reports/margin/2026-11/margin');
    expect(JSON.parse(readFileSync(`${base}.json`, 'utf8'))).toEqual(json);
    expect(readFileSync(`${base}.csv`, 'utf8').split('\n')[0]).toBe(Object.keys(json.rows[0]).join(','));
    expect(readFileSync(`${base}.html`, 'utf8')).toContain('<table');
    const table = await runCli('report', 'margin', '--month', '2026-11', '--lake', lake);
    expect(table.stdout).toMatch(/billed \(invoices\)\s+0\.00/);
  });

  it('refuses a bad invoice or revenue file with exit 1, naming file, line and field, and leaves the lake as it was', async () => {
    await runCli(
      'ingest',
      'revenue',
      file('ok.csv', 'month,customer_id,cohort,amount,currency\n2026-11,c,pro,1,USD\n'),
      '--lake',
      lake,
    );
    const before = snapshot(lake);

    const bad = [
      [
        'invoice',
        file(
          'bad.csv',
          `${FOCUS_HEADER}\n0.1,USD,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,1,Tokens,OpenAI,input,m\n12;34,USD,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,1,Tokens,OpenAI,input,m\n`,
        ),
        '--format',
        'focus',
      ],
      [
        'revenue',
        file(
          'bad-rev.csv',
          'month,customer_id,cohort,amount,currency\n2026-11,c,pro,1,USD\n2026-13,c,pro,1,USD\n',
        ),
      ],
      ['revenue', file('eur.csv', 'month,customer_id,cohort,amount,currency\n2026-11,c,pro,1,EUR\n')],
    ];
    for (const [kind, path, ...rest] of bad) {
      const run = await runCli(
        'ingest',
        kind as string,
        path as string,
        ...(rest as string[]),
        '--lake',
        lake,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(path as string);
      expect(run.stderr).toMatch(/line 3|line 2/);
    }

    expect(snapshot(lake)).toEqual(before);
  });

  it('answers bad usage with exit 2 and the bad value quoted', async () => {
    for (const argv of [
      ['report', 'margin', '--month', '2026-13', '--lake', tmp.dir],
      ['report', 'margin', '--lake', tmp.dir],
      ['ingest', 'invoice', 'x.json', '--format', 'csv', '--lake', tmp.dir],
      ['report', 'reconciliation', '--month', '2026-11', '--format', 'xml', '--lake', tmp.dir],
    ]) {
      const run = await runCli(...argv);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
