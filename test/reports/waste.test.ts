import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { unpropagated, wasteReport } from '../../src/reports/waste-report.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
  await lake.prices([{ model: 'model-a', usage_type: 'output', usd_per_million_tokens: 10 }]);
});
afterEach(async () => {
  await tmp.remove();
});

const req = (
  feature: string,
  status: string,
  output: number,
  delivered?: number,
  ts = '2026-11-02T10:00:00Z',
) =>
  wireEvent({
    feature,
    model: 'model-a',
    ts,
    status,
    input_tokens: 0,
    cache_read_tokens: 0,
    output_tokens: output,
    ...(delivered === undefined ? {} : { delivered_output_tokens: delivered }),
  });

async function report(from = '2026-11-01', to = '2026-11-03') {
  const engine = await openReportEngine(tmp.dir);
  try {
    return await wasteReport(new LocalQueryRunner(engine), from, to);
  } finally {
    engine.close();
  }
}

describe('the cancellation waste report (docs/contracts.md §7), hand-computed', () => {
  it('counts undelivered output of every request, priced at its own output unit cost', async () => {
    // r1 delivered all; r2 cancelled with 180 of 200 undelivered; r3 cancelled after everything was delivered.
    await lake.events([
      req('chat', 'ok', 100),
      req('chat', 'cancelled', 200, 20),
      req('chat', 'cancelled', 100, 100),
    ]);

    const r = await report();

    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({
      feature: 'chat',
      provider: 'openai',
      model: 'model-a',
      requests: 3,
      cancelled_requests: 2,
      wasted_output_tokens: 180,
    });
    expect(r.rows[0]?.wasted_cost).toBeCloseTo(180e-5, 12);
    expect(r.rows[0]?.waste_share).toBeCloseTo(0.45, 12);
    expect(r.rows[0]?.propagation_ratio).toBeCloseTo(180 / 300, 12);
    expect(r.totals.wasted_output_tokens).toBe(180);
  });

  it('has no propagation ratio without cancelled requests, and counts an ok request that was cut short', async () => {
    await lake.events([req('draft', 'ok', 100, 40)]);
    const [row] = (await report()).rows;
    expect(row).toMatchObject({ cancelled_requests: 0, wasted_output_tokens: 60, propagation_ratio: null });
  });

  it('takes --from inclusive and --to exclusive, in UTC, whatever offset the event had', async () => {
    await lake.events([
      req('chat', 'cancelled', 100, 0, '2026-11-01T00:30:00+01:00'), // 2026-10-31T23:30Z: before the range
      req('chat', 'cancelled', 100, 0, '2026-11-01T00:00:00Z'),
      req('chat', 'cancelled', 100, 0, '2026-11-02T23:59:59Z'),
      req('chat', 'cancelled', 100, 0, '2026-11-03T00:00:00Z'), // the --to day: excluded
    ]);
    expect((await report()).rows[0]).toMatchObject({ requests: 2, wasted_output_tokens: 200 });
  });

  it('names the features whose cancellations do not reach the provider, with their waste over 30 days', async () => {
    const many = Array.from({ length: 12 }, () => req('rewrite', 'cancelled', 100, 5));
    await lake.events([...many, ...Array.from({ length: 12 }, () => req('chat', 'cancelled', 100, 80))]);
    const r = await report('2026-11-01', '2026-11-16');

    const leaks = unpropagated(r);

    expect(leaks.map((l) => l.row.feature)).toEqual(['rewrite']);
    expect(leaks[0]?.monthlyWaste).toBeCloseTo(((12 * 95 * 10) / 1e6) * 2, 12);
  });
});
