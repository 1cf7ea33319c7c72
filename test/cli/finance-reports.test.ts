import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;

const FOCUS_HEADER =
  'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,ProviderName,SkuMeter,x_Model';

/** `report runs` over November 2026. */
const RUNS_OF_NOVEMBER = ['report', 'runs', '--from', '2026-11-01', '--to', '2026-12-01'];

async function ok(...argv: string[]) {
  const run = await runCli(...argv, '--lake', lake);
  if (run.code !== 0) throw new Error(`${argv.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
}

/**
 * A lake of November 2026: 4 OpenAI requests (2 of them of a model nobody prices), 2 Anthropic requests and no
 * Anthropic invoice, an OpenAI invoice that bills more than its requests used, a Bedrock invoice (examples/focus.csv)
 * without a request, and revenue.
 */
async function novemberLake() {
  const events = [
    ...[1, 2].map((i) =>
      wireEvent({
        event_id: `evt_fin_oai_${i}x`,
        customer_id: 'cus_a',
        input_tokens: 1000,
        cache_read_tokens: 0,
      }),
    ),
    ...[1, 2].map((i) =>
      wireEvent({
        event_id: `evt_fin_unp_${i}x`,
        model: 'mystery-model-1',
        customer_id: 'cus_a',
        cache_read_tokens: 0,
      }),
    ),
    ...[1, 2].map((i) =>
      wireEvent({
        event_id: `evt_fin_ant_${i}x`,
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        feature: 'summarise',
        cohort: 'free',
        customer_id: 'cus_b',
        cache_read_tokens: 0,
      }),
    ),
  ];
  await ok('ingest', 'events', file('events.jsonl', events.map((e) => line(e)).join('\n')));
  await ok(
    'ingest',
    'invoice',
    file(
      'openai.csv',
      `${FOCUS_HEADER}\n0.25,USD,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,5000,Tokens,OpenAI,input tokens,gpt-4o-mini-2024-07-18\n`,
    ),
    '--format',
    'focus',
  );
  await ok('ingest', 'invoice', join(EXAMPLES, 'focus.csv'), '--format', 'focus');
  await ok(
    'ingest',
    'revenue',
    file(
      'revenue.csv',
      'month,customer_id,cohort,amount,currency\n2026-11,cus_a,pro,10.00,USD\n2026-11,cus_b,free,1.234,USD\n',
    ),
  );
}

describe('report margin: a month without data is not an answer (issue 12, item 12)', () => {
  it('exits 1 for a month with neither events nor invoices, says what the lake holds, and writes nothing', async () => {
    // Prepare
    await novemberLake();
    const before = snapshot(lake);

    // Act
    const run = await runCli('report', 'margin', '--month', '2026-10', '--lake', lake);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('2026-10');
    expect(run.stderr).toMatch(/no requests/);
    expect(run.stderr).toMatch(/events cover 2026-11-02 … 2026-11-02/);
    expect(run.stderr).toMatch(/invoice periods start 2026-11-01 … 2026-11-02/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(lake)).toEqual(before);
    expect(existsSync(join(lake, 'reports/margin/2026-10'))).toBe(false);
  });

  it('on an empty lake, says it holds nothing', async () => {
    const run = await runCli('report', 'margin', '--month', '2026-10', '--lake', tmp.dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no events within 3 years of 2026-10; no invoices/);
  });

  it('warns, in the JSON and on stderr, of requests without invoices and invoices without requests', async () => {
    // Prepare
    await novemberLake();

    // Act
    const run = await runCli('report', 'margin', '--month', '2026-11', '--format', 'json', '--lake', lake);

    // Assess
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(['month', 'currency', 'rows', 'totals', 'warnings']);
    const warnings: string[] = json.warnings;
    expect(warnings.find((w) => w.startsWith('anthropic:'))).toMatch(/2 requests .* no invoice line/);
    expect(warnings.find((w) => w.startsWith('aws.bedrock:'))).toMatch(
      /no request was recorded: all of it is unallocated/,
    );
    expect(warnings.some((w) => w.startsWith('openai:'))).toBe(false);
    for (const w of warnings) expect(run.stderr).toContain(`warning: ${w}`);
    const files = join(lake, 'reports/margin/2026-11/margin');
    expect(JSON.parse(readFileSync(`${files}.json`, 'utf8')).warnings).toEqual(warnings);
    expect(readFileSync(`${files}.html`, 'utf8')).toContain('Warnings');
  });

  it('names the provider and the model of requests costed at 0 (item 2)', async () => {
    await novemberLake();
    const run = await runCli('report', 'margin', '--month', '2026-11', '--format', 'json', '--lake', lake);
    const unpriced = (JSON.parse(run.stdout).warnings as string[]).filter((w) => w.includes('costed at 0'));
    expect(unpriced).toHaveLength(1);
    expect(unpriced[0]).toMatch(/^2 requests of openai model mystery-model-1 /);
    expect(run.stderr).toContain(`warning: ${unpriced[0]}`);
  });
});

describe('report margin: margin after all spend, and CSV for spreadsheets (items 13, 14)', () => {
  it('reports revenue − billed − estimated beside revenue − cost, in JSON, table, CSV and HTML', async () => {
    // Prepare
    await novemberLake();

    // Act
    const json = JSON.parse((await ok('report', 'margin', '--month', '2026-11', '--format', 'json')).stdout);
    const table = (await ok('report', 'margin', '--month', '2026-11')).stdout;
    const csv = (await ok('report', 'margin', '--month', '2026-11', '--format', 'csv')).stdout;
    const html = readFileSync(join(lake, 'reports/margin/2026-11/margin.html'), 'utf8');

    // Assess: JSON, full precision
    const t = json.totals;
    expect(Object.keys(t).at(-1)).toBe('margin_after_all_spend');
    expect(t.margin_after_all_spend).toBeCloseTo(t.revenue - t.billed - t.estimated, 12);
    expect(t.margin).toBeCloseTo(t.revenue - (t.allocated + t.estimated), 12);
    expect(t.unallocated).toBeGreaterThan(0); // so the two margins differ
    expect(t.margin_after_all_spend).toBeLessThan(t.margin);
    // table and HTML: both, labelled
    const cents = (v: number) => v.toFixed(2);
    expect(table).toMatch(new RegExp(`margin\\s+${cents(t.margin)}.*revenue − cost`));
    expect(table).toMatch(
      new RegExp(
        `margin after all spend\\s*${cents(t.margin_after_all_spend)}.*revenue − billed − estimated`,
      ),
    );
    expect(html).toContain('Margin after all spend (revenue − billed − estimated)');
    expect(html).toContain(cents(t.margin_after_all_spend));
    // CSV: a totals block of name,amount lines rounded to the cent
    const [rowsPart, totalsPart] = csv.split('\n\n');
    expect(rowsPart?.split('\n')[0]).toBe(Object.keys(json.rows[0]).join(','));
    const totals = Object.fromEntries(
      (totalsPart ?? '')
        .trim()
        .split('\n')
        .map((l) => l.match(/^"?(.*?)"?,(.*)$/)?.slice(1) as [string, string]),
    );
    expect(totals.total).toBe('USD');
    for (const [label, key] of [
      ['billed (invoices)', 'billed'],
      ['allocated to requests', 'allocated'],
      ['unallocated (billed − allocated)', 'unallocated'],
      ['estimated (price book)', 'estimated'],
      ['margin (revenue − cost)', 'margin'],
      ['margin after all spend (revenue − billed − estimated)', 'margin_after_all_spend'],
    ] as const) {
      expect(totals[label], label).toMatch(/^-?\d+\.\d{2}$/);
      expect(Number(totals[label]), label).toBeCloseTo(t[key], 2);
    }
    expect(totals['coverage (allocated ÷ billed)']).toBe(`${(t.coverage * 100).toFixed(1)}%`);
  });

  it('rounds row money to the cent in the CSV and writes percentages as the table rounds them', async () => {
    await novemberLake();
    const json = JSON.parse((await ok('report', 'margin', '--month', '2026-11', '--format', 'json')).stdout);
    const table = (await ok('report', 'margin', '--month', '2026-11')).stdout;
    const csv = (await ok('report', 'margin', '--month', '2026-11', '--format', 'csv')).stdout;

    const [header, ...lines] = (csv.split('\n\n')[0] as string).split('\n');
    const columns = (header as string).split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
    expect(rows).toHaveLength(json.rows.length);
    for (const [i, row] of rows.entries()) {
      const full = json.rows[i];
      for (const key of ['cost', 'revenue', 'margin']) {
        expect(row[key]).toMatch(/^-?\d+\.\d{2}$/);
        // rounded to the cent: at most half a cent from the full value
        expect(Math.abs(Number(row[key]) - full[key])).toBeLessThanOrEqual(0.005 + 1e-9);
      }
      if (full.margin_pct === null) expect(row.margin_pct).toBe('');
      else {
        // the same rounding as the table's margin % column: one decimal of a percent
        const shown = `${(Math.abs(full.margin_pct) * 100).toFixed(1)}%`;
        expect(row.margin_pct).toBe(`${full.margin_pct < 0 ? '-' : ''}${shown}`);
        expect(table).toContain(full.margin_pct < 0 ? `(${shown})` : shown);
      }
    }
  });
});

describe('report reconciliation: per provider by default, per day and bucket with --by day (item 14)', () => {
  it('rolls up per provider, with a total, in table, CSV and JSON', async () => {
    // Prepare
    await novemberLake();

    // Act
    const json = JSON.parse(
      (await ok('report', 'reconciliation', '--month', '2026-11', '--format', 'json')).stdout,
    );
    const csv = (await ok('report', 'reconciliation', '--month', '2026-11', '--format', 'csv')).stdout;
    const table = (await ok('report', 'reconciliation', '--month', '2026-11')).stdout;

    // Assess: JSON keeps its keys first and adds the roll-up
    expect(Object.keys(json)).toEqual(['month', 'currency', 'buckets', 'providers', 'totals']);
    expect(json.providers.map((p: { provider: string }) => p.provider)).toEqual([
      'anthropic',
      'aws.bedrock',
      'openai',
    ]);
    const billed = json.buckets.reduce((n: number, b: { billed: number }) => n + b.billed, 0);
    expect(json.totals.billed).toBeCloseTo(billed, 9);
    expect(json.totals.billed).toBeCloseTo(json.totals.allocated + json.totals.unallocated, 9);
    // CSV: one line per provider and a total, money to the cent
    const [header, ...lines] = csv.trim().split('\n');
    expect(header).toBe('provider,invoice_lines,requests,billed,allocated,unallocated,coverage,estimated');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['anthropic', 'aws.bedrock', 'openai', 'total']);
    const total = (lines.at(-1) as string).split(',');
    expect(total[3]).toMatch(/^-?\d+\.\d{2}$/);
    expect(Number(total[3])).toBeCloseTo(json.totals.billed, 2);
    expect(Number(total[2])).toBe(6);
    // table: per provider, not per day
    expect(table).not.toContain('period start');
    expect(table).toMatch(/^openai\s/m);
    expect(table).toMatch(/^total\s/m);
  });

  it('--by day lists each invoice bucket and day with its service tier and context tier', async () => {
    await novemberLake();
    const table = (await ok('report', 'reconciliation', '--month', '2026-11', '--by', 'day')).stdout;
    const csv = (await ok('report', 'reconciliation', '--month', '2026-11', '--by', 'day', '--format', 'csv'))
      .stdout;

    expect(table).toMatch(/period start/);
    expect(table).toMatch(/tier\s+context/);
    const [header, ...lines] = csv.trim().split('\n');
    expect(header?.split(',')).toEqual(
      expect.arrayContaining(['service_tier', 'context_tier', 'charge_period_start']),
    );
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.at(-1)?.startsWith('total,')).toBe(true);
  });

  it('refuses an unknown --by with exit 2', async () => {
    const run = await runCli(
      'report',
      'reconciliation',
      '--month',
      '2026-11',
      '--by',
      'week',
      '--lake',
      tmp.dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"week"');
  });
});

describe('ingest invoice: bad exports are refused with the fix (item 15)', () => {
  it('a CSV given as --format openai-costs says it looks like CSV and suggests --format focus; exit 1', async () => {
    const run = await runCli(
      'ingest',
      'invoice',
      join(EXAMPLES, 'focus.csv'),
      '--format',
      'openai-costs',
      '--lake',
      lake,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/looks like CSV/);
    expect(run.stderr).toContain('--format focus');
  });

  it('an OpenAI export without line items is refused, saying to re-export with group_by=line_item', async () => {
    const page = JSON.parse(readFileSync(join(EXAMPLES, 'openai-costs.json'), 'utf8'));
    for (const r of page.data[0].results) r.line_item = null;
    const run = await runCli(
      'ingest',
      'invoice',
      file('ungrouped.json', JSON.stringify(page)),
      '--format',
      'openai-costs',
      '--lake',
      lake,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('group_by=line_item');
    expect(snapshot(lake).filter((f) => f.startsWith('costs/'))).toEqual([]);
  });
});

describe('report reconciliation --by day --format csv on a month without buckets', () => {
  it('still writes the header and the total line (a spreadsheet gets columns, not an empty file)', async () => {
    await novemberLake();
    const run = await runCli(
      'report',
      'reconciliation',
      '--month',
      '2026-09',
      '--by',
      'day',
      '--format',
      'csv',
      '--lake',
      lake,
    );
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'provider,model,usage_type,service_tier,context_tier,charge_period_start,charge_period_end,invoice_lines,billed,invoice_quantity,list_price,quantity,telemetry_quantity,unit_cost,allocated,unallocated',
    );
    expect(lines.at(-1)).toMatch(/^total,/);
  });
});

describe('money in CSV cells', () => {
  it('rounds as the table does: 1.005 is 1.01 and 2.675 is 2.68 in both', async () => {
    const { csvMoney, formatMoney } = await import('../../src/reports/money.ts');
    for (const value of [1.005, 2.675, -0.125, 1234.565]) {
      expect(csvMoney(value)).toBe(
        formatMoney(value)
          .replaceAll(',', '')
          .replace(/^\((.*)\)$/, '-$1'),
      );
    }
    expect(csvMoney(1.005)).toBe('1.01');
    expect(csvMoney(-0.001)).toBe('0.00');
  });
});

describe('report customers and report runs from the CLI (issue 16)', () => {
  it('prints the customers JSON with exactly the contract keys, agreeing with the margin totals; CSV ends with the concentration', async () => {
    await novemberLake();

    const json = JSON.parse(
      (await ok('report', 'customers', '--month', '2026-11', '--format', 'json')).stdout,
    );
    const margin = JSON.parse(
      (await ok('report', 'margin', '--month', '2026-11', '--format', 'json')).stdout,
    );

    expect(Object.keys(json)).toEqual(['month', 'currency', 'rows', 'concentration']);
    expect(json.rows.map((r: Record<string, unknown>) => Object.keys(r))).toEqual(
      json.rows.map(() => [
        'customer_id',
        'cohort',
        'requests',
        'cost',
        'revenue',
        'margin',
        'margin_pct',
        'cost_share',
      ]),
    );
    expect(json.rows.map((r: { customer_id: string }) => r.customer_id).sort()).toEqual(['cus_a', 'cus_b']);
    const cost = json.rows.reduce((s: number, r: { cost: number }) => s + r.cost, 0);
    expect(cost).toBeCloseTo(margin.totals.cost, 9);
    expect(json.concentration.customers).toBe(2);
    // ceil(1 %) and ceil(10 %) of 2 customers are both the costliest one
    expect(json.concentration.top_1pct_cost_share).toBe(json.rows[0].cost_share);
    expect(json.concentration.top_10pct_cost_share).toBe(json.rows[0].cost_share);

    const csv = (await ok('report', 'customers', '--month', '2026-11', '--format', 'csv')).stdout;
    const [rows, concentration] = csv.split('\n\n');
    expect(rows?.split('\n')[0]).toBe(
      'customer_id,cohort,requests,cost,revenue,margin,margin_pct,cost_share',
    );
    expect(concentration?.split('\n')[0]).toBe('concentration,value');
    expect(concentration).toContain('customers,2');
    expect(existsSync(join(lake, 'reports/customers/2026-11/customers.html'))).toBe(true);

    // The same lake has no trace ids: no runs, said so
    const runs = await ok('report', 'runs', '--from', '2026-11-01', '--to', '2026-12-01', '--format', 'json');
    expect(JSON.parse(runs.stdout)).toEqual({ from: '2026-11-01', to: '2026-12-01', rows: [], runaways: [] });
    const table = await ok('report', 'runs', '--from', '2026-11-01', '--to', '2026-12-01');
    expect(table.stdout).toMatch(/No request carried a trace id/);
  });

  it('refuses a month with neither requests nor revenue (exit 1, what the lake holds), and writes nothing', async () => {
    await novemberLake();
    const before = snapshot(lake);

    const run = await runCli('report', 'customers', '--month', '2026-09', '--lake', lake);

    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/no requests and no revenue in 2026-09, so there are no customers to report/);
    expect(run.stderr).toMatch(/events cover 2026-11-02 … 2026-11-02/);
    expect(snapshot(lake)).toEqual(before);
  });

  it('reads --runaway-factor as report alerts reads it: decimal text (4e1 is 40), blank is the default 10', async () => {
    // Five runs of 2 requests at 1,000 input tokens and one at 50,000: 50 times the median run.
    const request = (trace: string, i: number, tokens: number) =>
      wireEvent({
        event_id: `evt_runs_${trace}_${i}x`,
        trace_id: trace,
        feature: 'agent',
        input_tokens: tokens,
        cache_read_tokens: 0,
        output_tokens: 0,
      });
    const events = [
      ...['a', 'b', 'c', 'd', 'e'].flatMap((t) => [
        request(`run_small_${t}`, 1, 1000),
        request(`run_small_${t}`, 2, 1000),
      ]),
      request('run_big_one', 1, 50_000),
      request('run_big_one', 2, 50_000),
    ];
    await ok('ingest', 'events', file('runs.jsonl', events.map((e) => line(e)).join('\n')));
    const runaways = async (...option: string[]) => {
      const run = await ok(...RUNS_OF_NOVEMBER, '--format', 'json', ...option);
      return (JSON.parse(run.stdout) as { runaways: { trace_id: string }[] }).runaways.map((r) => r.trace_id);
    };

    expect(await runaways()).toEqual(['run_big_one']);
    expect(await runaways('--runaway-factor=')).toEqual(['run_big_one']);
    expect(await runaways('--runaway-factor=4e1')).toEqual(['run_big_one']);
    expect(await runaways('--runaway-factor=1e2')).toEqual([]);
  });

  // The rule of report alerts' --runaway-factor and the alerts job's ALERT_RUNAWAY_FACTOR (decimal text: 1e3 is
  // 1000; blank is the default), checked by the same spec.
  it.each(['abc', '0', '-1', '25%', 'Infinity'])(
    'refuses --runaway-factor %j with exit 2 and one line quoting it',
    async (factor) => {
      const run = await runCli(...RUNS_OF_NOVEMBER, `--runaway-factor=${factor}`, '--lake', lake);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`--runaway-factor ${JSON.stringify(factor)}`);
    },
  );
});

describe('report alerts from the CLI (issue 16)', () => {
  it('a quiet day with --email: the report is written, no email and no page; with low thresholds, both', async () => {
    await novemberLake();

    const run = await ok('report', 'alerts', '--day', '2026-11-02', '--email', '--format', 'json');

    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ day: '2026-11-02', findings: [] });
    expect(json.thresholds).toEqual({ factor: 5, min_cost: 10, critical_cost: 100, runaway_factor: 10 });
    expect(run.stderr).toContain('no email: nothing flagged in alerts-2026-11-02_2026-11-03');
    expect(existsSync(join(lake, 'reports/alerts/2026-11-02_2026-11-03/alerts.json'))).toBe(true);
    expect(existsSync(join(lake, 'outbox/alerts-2026-11-02_2026-11-03.eml'))).toBe(false);

    // The same day with thresholds low enough: the new customers are flagged, the email and the page written
    const run2 = await ok(
      'report',
      'alerts',
      '--day',
      '2026-11-02',
      '--min-cost',
      '0',
      '--critical-cost',
      '0.0001',
      '--email',
    );

    // cus_a and cus_b had no requests the 7 days before: each day's cost is new, and above $0
    expect(run2.stdout).toMatch(/critical\s+customer\s+cus_a/);
    expect(run2.stdout).toMatch(/critical\s+customer\s+cus_b/);
    expect(run2.stderr).toContain('email written');
    const page = readFileSync(join(lake, 'outbox/alerts-2026-11-02_2026-11-03.page.txt'), 'utf8');
    expect(page).toMatch(/^Subject: \[tokenledger\] \d+ critical spend alerts on 2026-11-02\n\n- /);
    expect(page).toContain('customer cus_a');
  });

  it.each([
    ['--factor=0.5', '--factor "0.5"'],
    ['--min-cost=-1', '--min-cost "-1"'],
    ['--critical-cost=lots', '--critical-cost "lots"'],
    ['--runaway-factor=0', '--runaway-factor "0"'],
  ])('refuses %s with exit 2 and one line quoting it', async (option, quoted) => {
    const run = await runCli('report', 'alerts', '--day', '2026-11-02', option, '--lake', lake);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(quoted);
  });

  it('needs --day', async () => {
    const run = await runCli('report', 'alerts', '--lake', lake);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/report alerts needs --day YYYY-MM-DD/);
  });
});
