import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { marginReport } from '../../src/reports/margin-report.ts';
import { type Month, parseMonth } from '../../src/reports/month.ts';
import { wasteReport } from '../../src/reports/waste-report.ts';
import { buildDemoLake } from '../helpers/demo-lake.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The parameter-free views BI tools connect to (docs/finance.md "BI tools") give the reports' figures: margin_monthly
// a month's margin rows, waste_daily the waste report's sums when its days are added up.

const MONTH = '2025-09';
let tmp: { dir: string; remove: () => Promise<void> };
let engine: LocalQueryEngine;
let requests = 0;
const month = parseMonth(MONTH) as Month;

beforeAll(async () => {
  tmp = await tempDir('tokenledger-bi-views-');
  const lake = join(tmp.dir, 'lake');
  ({ requests } = await buildDemoLake(lake, tmp.dir, { month: MONTH, requests: 2000 }));
  engine = await openReportEngine(lake);
});
afterAll(async () => {
  engine?.close();
  await tmp?.remove();
});

describe('margin_monthly', () => {
  it("holds the margin report's rows of the month, column for column", async () => {
    const report = await marginReport(new LocalQueryRunner(engine), month);
    const view = await engine.run(
      `SELECT * EXCLUDE (month) FROM margin_monthly WHERE month = '${MONTH}' ORDER BY cohort, feature`,
    );
    expect(report.rows.reduce((n, r) => n + r.requests, 0)).toBe(requests);
    expect(view.map((r) => [r.cohort, r.feature])).toEqual(report.rows.map((r) => [r.cohort, r.feature]));
    for (const [i, row] of report.rows.entries()) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'number')
          expect(view[i]?.[column], `${row.feature} ${column}`).toBeCloseTo(value, 9);
        else expect(view[i]?.[column], `${row.feature} ${column}`).toEqual(value);
      }
    }
    expect(report.rows.some((r) => r.revenue > 0 && r.cost > 0)).toBe(true);
  });

  it('has no month the lake holds nothing for', async () => {
    const months = await engine.run('SELECT DISTINCT month FROM margin_monthly ORDER BY 1');
    expect(months.map((m) => m.month)).toEqual([MONTH]);
  });
});

describe('waste_daily', () => {
  it("adds up, over the month's days, to the waste report: requests, wasted tokens and cost, shares", async () => {
    const report = await wasteReport(new LocalQueryRunner(engine), month.from, month.to);
    const sums = await engine.run(
      `SELECT feature, provider, model, sum(requests) AS requests, sum(cancelled_requests) AS cancelled_requests,
         sum(wasted_output_tokens) AS wasted_output_tokens, sum(wasted_cost) AS wasted_cost,
         sum(wasted_cost) / nullif(sum(output_cost), 0) AS waste_share,
         sum(cancelled_wasted_output_tokens) / nullif(sum(cancelled_output_tokens), 0) AS propagation_ratio
       FROM waste_daily WHERE dt >= ? AND dt < ? GROUP BY feature, provider, model`,
      [month.from, month.to],
    );
    const byKey = new Map(sums.map((r) => [`${r.feature}/${r.provider}/${r.model}`, r]));
    expect(report.rows.length).toBeGreaterThan(3);
    expect(byKey.size).toBe(report.rows.length);
    for (const row of report.rows) {
      const view = byKey.get(`${row.feature}/${row.provider}/${row.model}`);
      expect(view?.requests).toBe(row.requests);
      expect(view?.cancelled_requests).toBe(row.cancelled_requests);
      expect(view?.wasted_output_tokens).toBe(row.wasted_output_tokens);
      expect(view?.wasted_cost as number).toBeCloseTo(row.wasted_cost, 9);
      if (row.waste_share === null) expect(view?.waste_share).toBeNull();
      else expect(view?.waste_share as number).toBeCloseTo(row.waste_share, 9);
      if (row.propagation_ratio === null) expect(view?.propagation_ratio).toBeNull();
      else expect(view?.propagation_ratio as number).toBeCloseTo(row.propagation_ratio, 9);
    }
    expect(report.totals.wasted_cost).toBeGreaterThan(0);
  });
});
