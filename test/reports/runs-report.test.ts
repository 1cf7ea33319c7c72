import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { RUN_ROW_KEYS, type RunRow, runsReport } from '../../src/reports/runs-report.ts';
import { eventsArriving } from '../helpers/events-arriving.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The runs report (docs/contracts.md §7), hand-computed. Made-up models priced only by the fixture's price rows:
// tl-cheap $1 per million input tokens, tl-dear $10; tl-unpriced has no price. Requests carry input tokens only
// (no cache, no output), so 1000 input tokens of tl-cheap cost $0.001 — "one unit" below.

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
  await lake.prices([
    { model: 'tl-cheap', usage_type: 'input', usd_per_million_tokens: 1 },
    { model: 'tl-dear', usage_type: 'input', usd_per_million_tokens: 10 },
  ]);
});
afterEach(async () => {
  await tmp.remove();
});

const UNIT = 1000 / 1e6; // 1000 tl-cheap input tokens

/** A request of a run (trace null for none). */
const req = (
  trace: string | null,
  feature: string,
  ts: string,
  opts: { model?: string; input?: number } = {},
) =>
  wireEvent({
    trace_id: trace ?? undefined,
    feature,
    ts,
    model: opts.model ?? 'tl-cheap',
    input_tokens: opts.input ?? 1000,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 0,
  });

async function report(from = '2026-11-01', to = '2026-11-04', factor?: number) {
  const engine = await openReportEngine(tmp.dir);
  try {
    const queries = new LocalQueryRunner(engine);
    return factor === undefined
      ? await runsReport(queries, from, to)
      : await runsReport(queries, from, to, factor);
  } finally {
    engine.close();
  }
}

const row = (rows: readonly RunRow[], feature: string) => {
  const found = rows.find((r) => r.feature === feature);
  if (!found) throw new Error(`no row for ${feature}: ${JSON.stringify(rows)}`);
  return found;
};

describe('the runs report (docs/contracts.md §7), hand-computed', () => {
  it("takes a run across UTC midnight whole, under its first request's feature", async () => {
    await eventsArriving(lake, [
      // listed out of order: the run's first request (by ts) is the agent one
      req('run_midnight', 'other', '2026-11-02T00:05:00Z', { input: 2000 }),
      req('run_midnight', 'agent', '2026-11-01T23:50:00Z', { input: 1000 }),
      req('run_midnight', 'other', '2026-11-02T00:10:00.500Z', { input: 3000 }),
    ]);

    const r = await report('2026-11-01', '2026-11-03', 1);

    expect(Object.keys(r)).toEqual(['from', 'to', 'rows', 'runaways', 'bands']);
    expect(r).toMatchObject({ from: '2026-11-01', to: '2026-11-03' });
    expect(r.rows.map((x) => x.feature)).toEqual(['agent']);
    expect(Object.keys(r.rows[0] as RunRow)).toEqual(RUN_ROW_KEYS);
    const agent = row(r.rows, 'agent');
    expect(agent).toMatchObject({
      runs: 1,
      requests_per_run_p50: 3,
      requests_per_run_p95: 3,
      escalated_runs: 0,
      escalation_cost_share: 0,
    });
    const cost = (1000 + 2000 + 3000) / 1e6;
    expect(agent.cost_per_run_p50).toBeCloseTo(cost, 12);
    expect(agent.cost_per_run_p95).toBeCloseTo(cost, 12);
    expect(agent.cost_per_run_max).toBeCloseTo(cost, 12);
    // factor 1: a run costs at least 1 × its own p50
    expect(r.runaways).toHaveLength(1);
    expect(r.runaways[0]).toMatchObject({
      trace_id: 'run_midnight',
      feature: 'agent',
      requests: 3,
      models: ['tl-cheap'],
      first_ts: '2026-11-01T23:50:00.000Z',
      last_ts: '2026-11-02T00:10:00.500Z',
    });
    expect(r.runaways[0]?.cost).toBeCloseTo(cost, 12);
  });

  it('lets a first request that cost nothing decide the feature and the model escalations are measured from', async () => {
    await eventsArriving(lake, [
      // an unpriced model first
      req('run_unpriced_first', 'planner', '2026-11-02T10:00:00Z', { model: 'tl-unpriced', input: 5000 }),
      req('run_unpriced_first', 'writer', '2026-11-02T10:01:00Z', { model: 'tl-cheap', input: 1000 }),
      // 0 tokens first
      req('run_zero_first', 'router', '2026-11-02T11:00:00Z', { model: 'tl-cheap', input: 0 }),
      req('run_zero_first', 'writer', '2026-11-02T11:01:00Z', { model: 'tl-dear', input: 1000 }),
      req('run_zero_first', 'writer', '2026-11-02T11:02:00Z', { model: 'tl-cheap', input: 2000 }),
    ]);

    const r = await report('2026-11-01', '2026-11-04', 1);

    expect(r.rows.map((x) => x.feature)).toEqual(['planner', 'router']);
    const planner = row(r.rows, 'planner');
    expect(planner).toMatchObject({ runs: 1, requests_per_run_p50: 2, escalated_runs: 1 });
    expect(planner.cost_per_run_p50).toBeCloseTo(UNIT, 12);
    expect(planner.escalation_cost_share).toBeCloseTo(UNIT / UNIT, 12); // all on tl-cheap, not the first model
    const router = row(r.rows, 'router');
    expect(router).toMatchObject({ runs: 1, requests_per_run_p50: 3, escalated_runs: 1 });
    expect(router.cost_per_run_p50).toBeCloseTo((1000 * 10 + 2000) / 1e6, 12);
    // only the tl-dear request is on another model than the first (tl-cheap)
    expect(router.escalation_cost_share).toBeCloseTo((1000 * 10) / (1000 * 10 + 2000), 12);
    const unpricedFirst = r.runaways.find((x) => x.trace_id === 'run_unpriced_first');
    expect(unpricedFirst).toMatchObject({
      feature: 'planner',
      requests: 2,
      models: ['tl-cheap', 'tl-unpriced'],
    });
  });

  it('counts escalated runs and the share of cost spent on models other than the first', async () => {
    await eventsArriving(lake, [
      // esc_1: cheap → dear (escalated, 10 units off the first model)
      req('run_esc_1', 'cascade', '2026-11-02T10:00:00Z', { model: 'tl-cheap' }),
      req('run_esc_1', 'cascade', '2026-11-02T10:00:01Z', { model: 'tl-dear' }),
      // esc_2: cheap only, 2 units
      req('run_esc_2', 'cascade', '2026-11-02T11:00:00Z', { model: 'tl-cheap', input: 2000 }),
      // esc_3: dear → cheap (escalated, 1 unit off the first model)
      req('run_esc_3', 'cascade', '2026-11-02T12:00:00Z', { model: 'tl-dear' }),
      req('run_esc_3', 'cascade', '2026-11-02T12:00:01Z', { model: 'tl-cheap' }),
      // esc_4: cheap → dear → cheap (escalated, 10 units off the first model)
      req('run_esc_4', 'cascade', '2026-11-02T13:00:00Z', { model: 'tl-cheap' }),
      req('run_esc_4', 'cascade', '2026-11-02T13:00:01Z', { model: 'tl-dear' }),
      req('run_esc_4', 'cascade', '2026-11-02T13:00:02Z', { model: 'tl-cheap' }),
    ]);

    const cascade = row((await report()).rows, 'cascade');

    expect(cascade).toMatchObject({ runs: 4, escalated_runs: 3 });
    const all = (11 + 2 + 11 + 12) * UNIT;
    expect(cascade.escalation_cost_share).toBeCloseTo(((10 + 1 + 10) * UNIT) / all, 12);
    expect(cascade.cost_per_run_max).toBeCloseTo(12 * UNIT, 12);
    // nearest-rank of 4: p50 = 2nd (11 units), p95 = 4th (12 units)
    expect(cascade.cost_per_run_p50).toBeCloseTo(11 * UNIT, 12);
    expect(cascade.cost_per_run_p95).toBeCloseTo(12 * UNIT, 12);
    expect(cascade.requests_per_run_p50).toBe(2);
    expect(cascade.requests_per_run_p95).toBe(3);
  });

  it('takes nearest-rank percentiles (p50 the 10th of 20 runs, p95 the 19th), ties across the boundary included', async () => {
    // 20 runs of feature pct. Sorted costs (units): 1 … 8, 9, 9, 9 (the 9th, 10th and 11th), 12 … 18, 19, 20.
    // Sorted requests per run: 1 × 9, 2 × 9 (the 10th … 18th), 3 (the 19th), 5 (the 20th).
    const costs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    const requests = [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 5];
    // pair them in a shuffled order, so that neither the costs nor the counts follow the runs' order
    const order = [7, 19, 3, 12, 0, 15, 9, 5, 18, 1, 11, 14, 4, 17, 8, 2, 13, 10, 16, 6];
    const events = order.flatMap((ci, n) => {
      const k = requests[n] as number;
      const tokens = 1000 * (costs[ci] as number);
      return Array.from({ length: k }, (_, j) =>
        req(
          `run_pct_${String(n).padStart(2, '0')}`,
          'pct',
          `2026-11-02T${String(n).padStart(2, '0')}:0${j}:00Z`,
          {
            input: Math.floor(tokens / k) + (j === 0 ? tokens % k : 0),
          },
        ),
      );
    });
    // requests without a trace_id are not runs, of pct or of a feature of their own
    events.push(req(null, 'pct', '2026-11-02T10:30:00Z', { input: 500_000 }));
    events.push(req(null, 'solo', '2026-11-02T10:30:00Z'));
    await eventsArriving(lake, events);

    const r = await report();

    expect(r.rows.map((x) => x.feature)).toEqual(['pct']);
    const pct = row(r.rows, 'pct');
    expect(pct).toMatchObject({
      runs: 20,
      requests_per_run_p50: 2,
      requests_per_run_p95: 3,
      escalated_runs: 0,
      escalation_cost_share: 0,
    });
    expect(pct.cost_per_run_p50).toBeCloseTo(9 * UNIT, 12);
    expect(pct.cost_per_run_p95).toBeCloseTo(19 * UNIT, 12);
    expect(pct.cost_per_run_max).toBeCloseTo(20 * UNIT, 12);
    // the default factor 10 × 9 units = 90 units: no runaway
    expect(r.runaways).toEqual([]);
    // factor 2 × 9 = 18 units: 18 exactly (2 requests); 19 and 20 are single requests, which are no runaway runs
    const two = await report('2026-11-01', '2026-11-04', 2);
    expect(two.runaways.map((x) => x.cost)).toEqual([expect.closeTo(18 * UNIT, 12)]);
    expect(two.runaways[0]?.requests).toBe(2);
  });

  it('leaves out the requests outside [from, to): a run partly outside counts its requests inside only', async () => {
    await eventsArriving(lake, [
      req('run_partial', 'early', '2026-11-01T23:00:00Z', { model: 'tl-dear', input: 5000 }), // before from
      req('run_partial', 'inside', '2026-11-02T01:00:00Z', { model: 'tl-cheap' }),
      req('run_partial', 'inside', '2026-11-02T02:00:00Z', { model: 'tl-dear' }),
      req('run_partial', 'late', '2026-11-03T00:00:00Z', { model: 'tl-dear', input: 7000 }), // the `to` day
      req('run_outside', 'early', '2026-11-01T12:00:00Z'),
    ]);

    const r = await report('2026-11-02', '2026-11-03', 1);

    expect(r.rows.map((x) => x.feature)).toEqual(['inside']);
    const inside = row(r.rows, 'inside');
    expect(inside).toMatchObject({ runs: 1, requests_per_run_p50: 2, escalated_runs: 1 });
    expect(inside.cost_per_run_max).toBeCloseTo(UNIT + 10 * UNIT, 12);
    // the first request inside is on tl-cheap: the tl-dear one is the escalation
    expect(inside.escalation_cost_share).toBeCloseTo((10 * UNIT) / (11 * UNIT), 12);
    expect(r.runaways).toHaveLength(1);
    expect(r.runaways[0]).toMatchObject({
      trace_id: 'run_partial',
      feature: 'inside',
      requests: 2,
      models: ['tl-cheap', 'tl-dear'],
      first_ts: '2026-11-02T01:00:00.000Z',
      last_ts: '2026-11-02T02:00:00.000Z',
    });
    expect(r.runaways[0]?.cost).toBeCloseTo(11 * UNIT, 12);
  });

  it('lists the runaways: runs of two requests or more costing ≥ factor × the feature p50, the boundary included, costliest first', async () => {
    // feature rw, 6 runs costing 1, 2, 2, 19, 20, 30 units: p50 = the 3rd = 2 units
    await eventsArriving(lake, [
      req('run_rw_a', 'rw', '2026-11-02T01:00:00Z', { input: 1000 }),
      req('run_rw_b', 'rw', '2026-11-02T02:00:00Z', { input: 2000 }),
      req('run_rw_c', 'rw', '2026-11-02T03:00:00Z', { input: 2000 }),
      req('run_rw_d', 'rw', '2026-11-02T04:00:00Z', { input: 9_000 }),
      req('run_rw_d', 'rw', '2026-11-02T04:01:00Z', { input: 10_000 }),
      req('run_rw_e', 'rw', '2026-11-02T05:00:00Z', { input: 12_000 }),
      req('run_rw_e', 'rw', '2026-11-02T05:01:00Z', { input: 8_000 }),
      // f: 10 units of tl-cheap, then 2000 tl-dear tokens (20 units), the next day
      req('run_rw_f', 'rw', '2026-11-02T06:00:00Z', { input: 10_000 }),
      req('run_rw_f', 'other', '2026-11-03T06:00:00Z', { model: 'tl-dear', input: 2000 }),
      // feature cheap: p50 is 0 (the 2nd of 0, 0, 0, 5 units), so only a run that cost something is a runaway
      req('run_ch_a', 'cheap', '2026-11-02T01:00:00Z', { model: 'tl-unpriced' }),
      req('run_ch_b', 'cheap', '2026-11-02T01:00:00Z', { model: 'tl-unpriced' }),
      req('run_ch_c', 'cheap', '2026-11-02T01:00:00Z', { model: 'tl-unpriced' }),
      req('run_ch_d', 'cheap', '2026-11-02T01:00:00Z', { input: 2000 }),
      req('run_ch_d', 'cheap', '2026-11-02T01:00:01Z', { input: 3000 }),
      // feature solo: single requests costing 1, 1 and 50 units; 50 ≥ 10 × 1, but one request is not a run that
      // ran away (with OpenTelemetry, every traced request is a trace of its own)
      req('run_so_a', 'solo', '2026-11-02T01:00:00Z', { input: 1000 }),
      req('run_so_b', 'solo', '2026-11-02T02:00:00Z', { input: 1000 }),
      req('run_so_c', 'solo', '2026-11-02T03:00:00Z', { input: 50_000 }),
    ]);

    // default factor 10: 20 units and more: f (30) and e (20, exactly 10 × 2)
    const byDefault = await report();
    const rw = row(byDefault.rows, 'rw');
    expect(rw.cost_per_run_p50).toBeCloseTo(2 * UNIT, 12);
    expect(rw.cost_per_run_max).toBeCloseTo(30 * UNIT, 12);
    // f escalated on its second day: its tl-dear cost is measured from its first day's model
    expect(rw.escalated_runs).toBe(1);
    expect(rw.escalation_cost_share).toBeCloseTo((20 * UNIT) / ((1 + 2 + 2 + 19 + 20 + 30) * UNIT), 12);
    expect(row(byDefault.rows, 'cheap').cost_per_run_p50).toBe(0);
    expect(byDefault.runaways.map((x) => x.trace_id)).toEqual(['run_rw_f', 'run_rw_e', 'run_ch_d']);
    expect(byDefault.runaways[0]).toEqual({
      trace_id: 'run_rw_f',
      feature: 'rw',
      requests: 2,
      cost: expect.closeTo(30 * UNIT, 12),
      models: ['tl-cheap', 'tl-dear'],
      first_ts: '2026-11-02T06:00:00.000Z',
      last_ts: '2026-11-03T06:00:00.000Z',
    });
    expect(byDefault.runaways[1]).toMatchObject({ requests: 2, models: ['tl-cheap'] });
    expect(row(byDefault.rows, 'solo').cost_per_run_max).toBeCloseTo(50 * UNIT, 12);
    expect(byDefault.runaways[1]?.cost).toBeCloseTo(20 * UNIT, 12);

    // factor 15: 30 units exactly; factor 9.5: 19 units exactly
    expect((await report('2026-11-01', '2026-11-04', 15)).runaways.map((x) => x.trace_id)).toEqual([
      'run_rw_f',
      'run_ch_d',
    ]);
    expect((await report('2026-11-01', '2026-11-04', 9.5)).runaways.map((x) => x.trace_id)).toEqual([
      'run_rw_f',
      'run_rw_e',
      'run_rw_d',
      'run_ch_d',
    ]);
  });

  it("has a null escalation cost share when the feature's runs cost nothing", async () => {
    await eventsArriving(lake, [
      req('run_free_1', 'freebie', '2026-11-02T01:00:00Z', { model: 'tl-unpriced' }),
      req('run_free_1', 'freebie', '2026-11-02T01:01:00Z', { model: 'tl-cheap', input: 0 }),
      req('run_free_2', 'freebie', '2026-11-02T02:00:00Z', { model: 'tl-unpriced' }),
    ]);

    const r = await report();

    expect(r.rows).toEqual([
      {
        feature: 'freebie',
        runs: 2,
        requests_per_run_p50: 1,
        requests_per_run_p95: 2,
        cost_per_run_p50: 0,
        cost_per_run_p95: 0,
        cost_per_run_max: 0,
        escalated_runs: 1,
        escalation_cost_share: null,
      },
    ]);
    expect(r.runaways).toEqual([]);
  });
});
