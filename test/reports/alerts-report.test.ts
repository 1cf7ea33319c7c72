import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { DEFAULT_ALERT_THRESHOLDS } from '../../src/reports/alert-settings.ts';
import { type AlertFinding, alertsReport, isSpike, trailingMedian } from '../../src/reports/alerts-report.ts';
import { alertsPage } from '../../src/reports/render-alerts.ts';
import { eventsArriving } from '../helpers/events-arriving.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The spend alerts (issue 16 item 4; docs/contracts.md §7), hand-computed. A made-up model priced only by the
// fixture: tl-cheap at $1 per million input tokens, so 1000 input tokens cost $0.001 — "one unit" below. The day is
// 2026-11-10; its trailing window is 2026-11-03 … 2026-11-09.

const UNIT = 0.001;
const DAY = '2026-11-10';
const TRAILING = ['03', '04', '05', '06', '07', '08', '09'].map((d) => `2026-11-${d}`);

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
  await lake.prices([{ model: 'tl-cheap', usage_type: 'input', usd_per_million_tokens: 1 }]);
});
afterEach(async () => {
  await tmp.remove();
});

/** A request of `units` units on `day` at `time`, by a customer (null: none), of a feature, maybe in a run. */
const req = (
  day: string,
  units: number,
  who: { customer: string | null; feature: string; trace?: string; time?: string },
) =>
  wireEvent({
    ts: `${day}T${who.time ?? '12:00:00'}Z`,
    customer_id: who.customer ?? undefined,
    feature: who.feature,
    trace_id: who.trace,
    model: 'tl-cheap',
    input_tokens: units * 1000,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 0,
  });

describe('the spike rule and the trailing median', () => {
  const t = { ...DEFAULT_ALERT_THRESHOLDS, factor: 5, min_cost: 10 };

  it('flags a cost strictly above factor × median, and from min_cost on (inclusive)', () => {
    expect(isSpike(50, 10, t)).toBe(false); // exactly 5 × 10
    expect(isSpike(50.01, 10, t)).toBe(true);
    expect(isSpike(10, 0, t)).toBe(true); // exactly the minimum, a new customer
    expect(isSpike(9.99, 0, t)).toBe(false); // below the minimum, however new
    expect(isSpike(100, 30, t)).toBe(false);
  });

  it('takes the 4th smallest of the 7 days, days without requests counting 0', () => {
    expect(trailingMedian([5, 1, 4, 2, 3, 7, 6])).toBe(4);
    expect(trailingMedian([0, 0, 0, 0, 10, 10, 10])).toBe(0);
    expect(trailingMedian([0, 0, 0, 10, 10, 10, 10])).toBe(10);
  });
});

describe('alertsReport over a lake (the rollups)', () => {
  async function build() {
    const events: Record<string, unknown>[] = [];
    for (const day of TRAILING) {
      events.push(req(day, 100, { customer: 'cus_base', feature: 'steady' }));
      events.push(req(day, 2, { customer: 'cus_over', feature: 'steady' }));
      events.push(req(day, 1, { customer: null, feature: 'burst' }));
      // one agent run a day: 2 requests of 1 unit
      const trace = `run_${day.replaceAll('-', '')}`;
      events.push(req(day, 1, { customer: null, feature: 'agent', trace, time: '08:00:00' }));
      events.push(req(day, 1, { customer: null, feature: 'agent', trace, time: '08:00:05' }));
    }
    // cus_gaps: 10 units on 3 of the 7 days (median 0: the 4 days without requests count)
    for (const day of TRAILING.slice(0, 3))
      events.push(req(day, 10, { customer: 'cus_gaps', feature: 'steady' }));
    // yesterday's runaway (30 units): not the day's
    events.push(
      req('2026-11-09', 15, { customer: null, feature: 'agent', trace: 'run_yesterday', time: '22:00:00' }),
    );
    events.push(
      req('2026-11-09', 15, { customer: null, feature: 'agent', trace: 'run_yesterday', time: '22:00:09' }),
    );
    // the day
    events.push(req(DAY, 100, { customer: 'cus_base', feature: 'steady' }));
    events.push(req(DAY, 11, { customer: 'cus_over', feature: 'steady' })); // 11 > 5 × 2
    events.push(req(DAY, 6, { customer: 'cus_gaps', feature: 'steady' })); // 6 > 5 × 0, ≥ 5
    events.push(req(DAY, 6, { customer: 'cus_new', feature: 'steady' }));
    events.push(req(DAY, 5, { customer: 'cus_min', feature: 'steady' })); // exactly the minimum
    events.push(req(DAY, 4, { customer: 'cus_tiny', feature: 'steady' })); // under it
    events.push(req(DAY, 50, { customer: null, feature: 'burst' })); // 50 > 5 × 1: a feature, not a customer
    events.push(req(DAY, 10, { customer: null, feature: 'agent', trace: 'run_today', time: '09:00:00' }));
    events.push(req(DAY, 10, { customer: null, feature: 'agent', trace: 'run_today', time: '09:00:07' }));
    // a single dear request is not a runaway run
    events.push(req(DAY, 25, { customer: null, feature: 'agent', trace: 'run_single', time: '10:00:00' }));
    // the day after is not read
    events.push(req('2026-11-11', 999, { customer: 'cus_base', feature: 'steady' }));
    await eventsArriving(lake, events);
  }

  async function run(thresholds = { min_cost: 5 * UNIT, critical_cost: 40 * UNIT }) {
    const engine = await openReportEngine(tmp.dir);
    try {
      return await alertsReport(new LocalQueryRunner(engine), DAY, thresholds);
    } finally {
      engine.close();
    }
  }

  const pick = (f: AlertFinding) => [f.severity, f.kind, f.subject];

  it('flags spikes of customers and features and the runaway runs that started that day, critical first', async () => {
    await build();

    const report = await run();

    expect(report.findings.map(pick)).toEqual([
      ['critical', 'feature', 'burst'], // 50 − 1 = 49 units at stake ≥ 40
      ['critical', 'feature', 'agent'], // day 20 + 25 = 45 units vs a median of 2: 43 at stake ≥ 40
      ['warning', 'runaway', 'run_today'], // 20 units ≥ 10 × the median run (2)
      ['warning', 'customer', 'cus_over'], // 11 − 2 = 9
      ['warning', 'customer', 'cus_gaps'], // 6 − 0 (ties by subject)
      ['warning', 'customer', 'cus_new'],
      ['warning', 'customer', 'cus_min'], // 5, exactly the minimum
    ]);
    const byId = new Map(report.findings.map((f) => [f.subject, f]));
    expect(byId.get('burst')?.cost).toBeCloseTo(50 * UNIT, 12);
    expect(byId.get('burst')?.baseline).toBeCloseTo(1 * UNIT, 12);
    expect(byId.get('burst')?.ratio).toBeCloseTo(50, 9);
    expect(byId.get('cus_over')?.baseline).toBeCloseTo(2 * UNIT, 12);
    expect(byId.get('cus_gaps')).toMatchObject({ baseline: 0, ratio: null });
    expect(byId.get('run_today')).toMatchObject({
      run: {
        feature: 'agent',
        requests: 2,
        models: ['tl-cheap'],
        first_ts: '2026-11-10T09:00:00.000Z',
        last_ts: '2026-11-10T09:00:07.000Z',
      },
    });
    expect(byId.get('run_today')?.cost).toBeCloseTo(20 * UNIT, 12);
    expect(byId.get('run_today')?.baseline).toBeCloseTo(2 * UNIT, 12);
    expect(report.summary).toMatchObject({ critical: 2, warning: 5, customers: 6, features: 3 });
    // the page carries the critical findings only
    const page = alertsPage(report, 'reports/alerts/x/');
    expect(page?.subject).toBe('[tokenledger] 2 critical spend alerts on 2026-11-10');
    expect(page?.text).toMatch(
      /^- feature burst: \$0\.0500 on the day, 50\.0× its 7-day median of \$0\.0010\n- feature agent: /,
    );
    expect(page?.text).not.toMatch(/cus_over/);
  });

  it('flags nothing under the thresholds, and has no page without a critical finding', async () => {
    await build();

    const strict = await run({ min_cost: 60 * UNIT, critical_cost: 40 * UNIT });
    expect(strict.findings).toEqual([]);
    expect(alertsPage(strict, 'x')).toBeNull();

    const calm = await run({ min_cost: 5 * UNIT, critical_cost: 1000 });
    expect(calm.findings.every((f) => f.severity === 'warning')).toBe(true);
    expect(alertsPage(calm, 'x')).toBeNull();
  });
});
