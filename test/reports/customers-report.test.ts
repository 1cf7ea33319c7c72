import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import {
  CUSTOMER_ROW_KEYS,
  type CustomerRow,
  type CustomersReport,
  customersReport,
} from '../../src/reports/customers-report.ts';
import { marginReport } from '../../src/reports/margin-report.ts';
import { type Month, parseMonth } from '../../src/reports/month.ts';
import { eventsArriving } from '../helpers/events-arriving.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The customers report (docs/contracts.md §7), hand-computed. Made-up models priced only by the fixture's price
// rows: tl-cheap $1 / $2 per million input / output tokens, tl-dear $10 / $20; tl-unpriced has no price at all.

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
  await lake.prices([
    { model: 'tl-cheap', usage_type: 'input', usd_per_million_tokens: 1 },
    { model: 'tl-cheap', usage_type: 'output', usd_per_million_tokens: 2 },
    { model: 'tl-dear', usage_type: 'input', usd_per_million_tokens: 10 },
    { model: 'tl-dear', usage_type: 'output', usd_per_million_tokens: 20 },
  ]);
});
afterEach(async () => {
  await tmp.remove();
});

const NOV = parseMonth('2026-11') as Month;

/** A request: customer null for none; no cache tokens, so input is billed in full. */
const req = (
  customer: string | null,
  opts: {
    model?: string;
    input?: number;
    output?: number;
    ts?: string;
    cohort?: string;
    feature?: string;
  } = {},
) =>
  wireEvent({
    customer_id: customer ?? undefined,
    cohort: opts.cohort ?? 'pro',
    feature: opts.feature ?? 'chat',
    model: opts.model ?? 'tl-cheap',
    ts: opts.ts ?? '2026-11-02T10:00:00.000Z',
    input_tokens: opts.input ?? 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: opts.output ?? 0,
  });

async function reports(month = NOV) {
  const engine = await openReportEngine(tmp.dir);
  try {
    const queries = new LocalQueryRunner(engine);
    return { customers: await customersReport(queries, month), margin: await marginReport(queries, month) };
  } finally {
    engine.close();
  }
}

const byCustomer = (r: CustomersReport) => new Map(r.rows.map((row) => [row.customer_id, row]));
const sumCost = (rows: readonly CustomerRow[]) => rows.reduce((s, r) => s + r.cost, 0);

describe('the customers report (docs/contracts.md §7), hand-computed', () => {
  it('costs, revenue, margins and cost shares per customer, the requests without a customer as one null row, costliest first', async () => {
    await eventsArriving(lake, [
      req('cus_a', { input: 1000, output: 300 }),
      req('cus_a', { input: 1000, output: 300, ts: '2026-11-30T23:59:59.999Z' }),
      req('cus_b', { model: 'tl-dear', input: 2000, output: 500, ts: '2026-11-01T00:00:00.000Z' }),
      req(null, { input: 500, output: 100, cohort: 'free' }),
      // the neighbouring months: not counted
      req('cus_a', { model: 'tl-dear', input: 9000, ts: '2026-10-31T23:59:59.999Z' }),
      req('cus_b', { model: 'tl-dear', input: 9000, ts: '2026-12-01T00:00:00.000Z' }),
      req(null, { model: 'tl-dear', input: 9000, ts: '2026-12-01T00:00:00.000Z' }),
    ]);
    await lake.revenue([
      { customer_id: 'cus_a', cohort: 'pro', amount: 1 },
      { customer_id: 'cus_b', cohort: 'pro', amount: 0.02 },
      { customer_id: 'cus_z', cohort: 'enterprise', amount: 5 },
      { month: '2026-10', customer_id: 'cus_y', cohort: 'pro', amount: 7 },
    ]);

    const { customers: r, margin } = await reports();

    const costA = 2 * ((1000 * 1 + 300 * 2) / 1e6);
    const costB = (2000 * 10 + 500 * 20) / 1e6;
    const costNull = (500 * 1 + 100 * 2) / 1e6;
    const total = costA + costB + costNull;
    expect(Object.keys(r)).toEqual(['month', 'currency', 'rows', 'concentration']);
    expect(r).toMatchObject({ month: '2026-11', currency: 'USD' });
    expect(r.rows.map((row) => row.customer_id)).toEqual(['cus_b', 'cus_a', null, 'cus_z']);
    for (const row of r.rows) expect(Object.keys(row)).toEqual(CUSTOMER_ROW_KEYS);
    const [b, a, none, z] = r.rows as [CustomerRow, CustomerRow, CustomerRow, CustomerRow];

    expect(b).toMatchObject({ cohort: 'pro', requests: 1, revenue: 0.02 });
    expect(b.cost).toBeCloseTo(costB, 12);
    expect(b.margin).toBeCloseTo(0.02 - costB, 12);
    expect(b.margin_pct).toBeCloseTo((0.02 - costB) / 0.02, 12);
    expect(b.cost_share).toBeCloseTo(costB / total, 12);

    expect(a).toMatchObject({ cohort: 'pro', requests: 2, revenue: 1 });
    expect(a.cost).toBeCloseTo(costA, 12);
    expect(a.margin).toBeCloseTo(1 - costA, 12);
    expect(a.margin_pct).toBeCloseTo((1 - costA) / 1, 12);
    expect(a.cost_share).toBeCloseTo(costA / total, 12);

    // requests without a customer: one row, cohort null, no revenue; they count in the shares' denominator
    expect(none).toMatchObject({
      customer_id: null,
      cohort: null,
      requests: 1,
      revenue: 0,
      margin_pct: null,
    });
    expect(none.cost).toBeCloseTo(costNull, 12);
    expect(none.margin).toBeCloseTo(-costNull, 12);
    expect(none.cost_share).toBeCloseTo(costNull / total, 12);

    // revenue without requests: a row of its own, margin = revenue
    expect(z).toEqual({
      customer_id: 'cus_z',
      cohort: 'enterprise',
      requests: 0,
      cost: 0,
      revenue: 5,
      margin: 5,
      margin_pct: 1,
      cost_share: 0,
    });
    expect(byCustomer(r).has('cus_y')).toBe(false); // October's revenue

    // concentration: cus_a and cus_b only (not the null row, not cus_z); ceil(1 %) = ceil(10 %) = 1 of 2
    expect(r.concentration.customers).toBe(2);
    expect(r.concentration.top_1pct_cost_share).toBeCloseTo(costB / total, 12);
    expect(r.concentration.top_10pct_cost_share).toBeCloseTo(costB / total, 12);

    // the customers' costs add up to the month's request cost
    expect(sumCost(r.rows)).toBeCloseTo(total, 12);
    expect(sumCost(r.rows)).toBeCloseTo(margin.totals.cost, 12);
  });

  it("takes the revenue row's cohort, else the cohort of the customer's latest request in the month", async () => {
    await eventsArriving(lake, [
      // cus_c switches from free to team mid-month (listed out of order): team
      req('cus_c', { cohort: 'team', input: 1000, ts: '2026-11-20T08:00:00.000Z' }),
      req('cus_c', { cohort: 'free', input: 1000, ts: '2026-11-03T08:00:00.000Z' }),
      req('cus_c', { cohort: 'free', input: 1000, ts: '2026-11-19T08:00:00.000Z', feature: 'search' }),
      // cus_d: the latest request is free, but its revenue row says enterprise
      req('cus_d', { cohort: 'pro', input: 1000, ts: '2026-11-03T08:00:00.000Z' }),
      req('cus_d', { cohort: 'free', input: 1000, ts: '2026-11-25T08:00:00.000Z' }),
      // cus_e: its December request (cohort pro) is not the month's latest
      req('cus_e', { cohort: 'free', input: 1000, ts: '2026-11-28T08:00:00.000Z' }),
      req('cus_e', { cohort: 'pro', input: 1000, ts: '2026-12-01T08:00:00.000Z' }),
      // cus_f: the latest request is in the same day as an earlier one of another cohort
      req('cus_f', { cohort: 'pro', input: 1000, ts: '2026-11-05T08:00:00.000Z' }),
      req('cus_f', { cohort: 'free', input: 1000, ts: '2026-11-05T09:00:00.000Z' }),
    ]);
    await lake.revenue([{ customer_id: 'cus_d', cohort: 'enterprise', amount: 10 }]);

    const rows = byCustomer((await reports()).customers);

    expect(rows.get('cus_c')).toMatchObject({ cohort: 'team', requests: 3 });
    expect(rows.get('cus_d')).toMatchObject({ cohort: 'enterprise', requests: 2, revenue: 10 });
    expect(rows.get('cus_e')).toMatchObject({ cohort: 'free', requests: 1 });
    expect(rows.get('cus_f')).toMatchObject({ cohort: 'free', requests: 2 });
  });

  it('concentration: the ceil(1 %) and ceil(10 %) costliest of 12 customers with requests', async () => {
    // cus_01 … cus_12 cost 1 … 12 × $0.001; the null row $0.010 and a revenue-only customer are not customers here
    const events = Array.from({ length: 12 }, (_, i) =>
      req(`cus_${String(i + 1).padStart(2, '0')}`, {
        input: 1000 * (i + 1),
        ts: `2026-11-${10 + i}T12:00:00Z`,
      }),
    );
    await eventsArriving(lake, [...events, req(null, { input: 10_000 })]);
    await lake.revenue([{ customer_id: 'cus_rev', cohort: 'pro', amount: 3 }]);

    const { customers: r, margin } = await reports();

    const total = (78 + 10) / 1000;
    expect(r.rows).toHaveLength(14);
    // the null row costs as much as cus_10: last among equals
    expect(r.rows.slice(0, 5).map((row) => row.customer_id)).toEqual([
      'cus_12',
      'cus_11',
      'cus_10',
      null,
      'cus_09',
    ]);
    expect(r.rows.at(-1)?.customer_id).toBe('cus_rev');
    expect(r.concentration.customers).toBe(12);
    expect(r.concentration.top_1pct_cost_share).toBeCloseTo(0.012 / total, 12); // ceil(0.12) = 1
    expect(r.concentration.top_10pct_cost_share).toBeCloseTo((0.012 + 0.011) / total, 12); // ceil(1.2) = 2
    expect(sumCost(r.rows)).toBeCloseTo(margin.totals.cost, 12);
  });

  it('has null cost shares and concentration shares when the month cost nothing', async () => {
    await eventsArriving(lake, [
      req('cus_a', { model: 'tl-unpriced', input: 1000, output: 10 }),
      req('cus_b', { model: 'tl-unpriced', input: 500 }),
      req(null, { model: 'tl-unpriced', input: 500 }),
    ]);
    await lake.revenue([
      { customer_id: 'cus_a', cohort: 'pro', amount: 4 },
      { customer_id: 'cus_z', cohort: 'pro', amount: 2 },
    ]);

    const r = (await reports()).customers;

    expect(r.rows.map((row) => row.customer_id)).toEqual(['cus_a', 'cus_b', 'cus_z', null]);
    for (const row of r.rows) expect(row).toMatchObject({ cost: 0, cost_share: null });
    expect(byCustomer(r).get('cus_a')).toMatchObject({ requests: 1, revenue: 4, margin: 4, margin_pct: 1 });
    expect(byCustomer(r).get('cus_b')).toMatchObject({
      requests: 1,
      revenue: 0,
      margin: 0,
      margin_pct: null,
    });
    expect(r.concentration).toEqual({ customers: 2, top_1pct_cost_share: null, top_10pct_cost_share: null });
  });

  it('has no concentration shares in a month without requests', async () => {
    await lake.revenue([{ customer_id: 'cus_z', cohort: 'pro', amount: 2 }]);
    await eventsArriving(lake, [req('cus_z', { input: 1000, ts: '2026-10-15T00:00:00Z' })]);

    const r = (await reports()).customers;

    expect(r.rows).toEqual([
      {
        customer_id: 'cus_z',
        cohort: 'pro',
        requests: 0,
        cost: 0,
        revenue: 2,
        margin: 2,
        margin_pct: 1,
        cost_share: null,
      },
    ]);
    expect(r.concentration).toEqual({ customers: 0, top_1pct_cost_share: null, top_10pct_cost_share: null });
  });

  it("costs a customer's requests at the invoice's unit cost where an invoice bucket covers them", async () => {
    // 2026-11-02: cus_a 1000 and cus_b 2000 input tokens of tl-cheap, which an invoice line bills $0.009 for
    // 3000 tokens: $3 per million (not the list $1); output stays at the list price. cus_a also has a request
    // on 2026-11-05, outside the bucket: list price.
    await eventsArriving(lake, [
      req('cus_a', { input: 1000, output: 100, ts: '2026-11-02T10:00:00Z' }),
      req('cus_b', { input: 2000, output: 100, ts: '2026-11-02T16:00:00Z' }),
      req('cus_a', { input: 1000, ts: '2026-11-05T10:00:00Z' }),
    ]);
    await lake.costs([
      {
        model: 'tl-cheap',
        usage_type: 'input',
        billed_cost: 0.009,
        consumed_quantity: 3000,
        sku: 'tl-cheap, input',
      },
    ]);

    const { customers: r, margin } = await reports();

    const unit = 0.009 / 3000;
    const rows = byCustomer(r);
    expect(rows.get('cus_a')?.cost).toBeCloseTo(1000 * unit + (100 * 2) / 1e6 + (1000 * 1) / 1e6, 12);
    expect(rows.get('cus_b')?.cost).toBeCloseTo(2000 * unit + (100 * 2) / 1e6, 12);
    expect(sumCost(r.rows)).toBeCloseTo(margin.totals.cost, 12);
    expect(margin.totals.allocated).toBeCloseTo(0.009, 12);
  });
});
