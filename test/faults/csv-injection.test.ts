import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/reports/table-format.ts';
import { runCli } from '../cli/run-cli.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 13, item 1: finance opens the CSVs in spreadsheets, and values from events and invoices reach them
// verbatim — a prompt id `=HYPERLINK(…)`, a model `=1+1`, a customer id `+SUM(…)`. Every text cell that starts
// with = + - @ tab or CR must reach the spreadsheet as text (a leading '), every number as a number.

const FORMULAS = {
  promptId: '=HYPERLINK("http://evil.test","click")',
  promptVersion: '@v1',
  model: '=1+1',
  customer: '+SUM(A1:A9)',
  provider: '-evil',
  sku: "=cmd|' /C calc'!A0",
};

/** Cells a spreadsheet would run as a formula: text starting with = + - @ tab or CR that is not a number. */
function formulaCells(csv: string): string[] {
  const records = parse(csv, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  return records
    .flat()
    .filter((c) => /^[=+\-@\t\r]/.test(c) && !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$/.test(c));
}

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
beforeAll(async () => {
  tmp = await tempDir('tokenledger-csv-injection-');
  lake = join(tmp.dir, 'lake');
  const fixture = new LakeFixture(lake);
  const evil = {
    ts: '2026-11-01T10:00:00.000Z',
    model: FORMULAS.model,
    customer_id: FORMULAS.customer,
    prompt_id: FORMULAS.promptId,
    prompt_version: FORMULAS.promptVersion,
    status: 'cancelled',
    output_tokens: 300,
    delivered_output_tokens: 10,
  };
  await fixture.events([
    wireEvent(evil),
    wireEvent({ ...evil, provider: FORMULAS.provider }),
    wireEvent({ ts: '2026-11-01T11:00:00.000Z' }),
  ]);
  await fixture.costs([
    {
      model: FORMULAS.model,
      sku: FORMULAS.sku,
      billed_cost: -2.5,
      charge_period_start: Date.parse('2026-11-01T00:00:00Z'),
    },
  ]);
  await fixture.revenue([{ month: '2026-11', customer_id: FORMULAS.customer, cohort: 'pro', amount: 10 }]);
});
afterAll(async () => {
  await tmp.remove();
});

describe('CSV formula injection', () => {
  it('renderCsv neutralises text that starts a formula and keeps numbers, negative ones included', () => {
    const csv = renderCsv(
      ['a', 'b', 'c'],
      [
        ['=1+1', -2.5, '-2.50'],
        ['@SUM(A1)', '-3.1%', '\tx'],
        ['+cmd', '-cmd', 'plain'],
      ],
    );
    expect(csv).toBe("a,b,c\n'=1+1,-2.5,-2.50\n'@SUM(A1),-3.1%,'\tx\n'+cmd,'-cmd,plain\n");
    expect(formulaCells(csv)).toEqual([]);
  });

  it('every report the CLI writes or prints as CSV carries the values as text, never as formulas', async () => {
    const outputs: Record<string, string> = {};
    const csvOf = async (name: string, ...argv: string[]) => {
      const run = await runCli(...argv, '--format', 'csv', '--lake', lake);
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      outputs[name] = run.stdout;
    };
    await csvOf('governance', 'report', 'governance', '--from', '2026-11-01', '--to', '2026-11-02');
    await csvOf('waste', 'report', 'waste', '--from', '2026-11-01', '--to', '2026-11-02');
    await csvOf('margin', 'report', 'margin', '--month', '2026-11');
    await csvOf('reconciliation', 'report', 'reconciliation', '--month', '2026-11', '--by', 'day');
    await csvOf('reconciliation by provider', 'report', 'reconciliation', '--month', '2026-11');
    await csvOf('query', 'query', 'SELECT customer_id, model, prompt_id, provider FROM events_dedup');
    // and the files the reports wrote (the email attachments are these same files)
    const reports = join(lake, 'reports');
    for (const file of readdirSync(reports, { recursive: true, encoding: 'utf8' })) {
      if (file.endsWith('.csv')) outputs[file] = readFileSync(join(reports, file), 'utf8');
    }

    expect(Object.keys(outputs).filter((k) => k.endsWith('.csv')).length).toBeGreaterThanOrEqual(4);
    for (const [name, csv] of Object.entries(outputs)) expect(formulaCells(csv), name).toEqual([]);
    // the values are there, as text: nothing was dropped
    const all = Object.values(outputs).join('\n');
    expect(all).toContain("'=1+1");
    expect(all).toContain(`'+SUM(A1:A9)`);
    expect(all).toContain('\'=HYPERLINK(""http://evil.test"",""click"")');
  });
});
