import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// queries/reports/deploy_change.sql's p95_latency_ms is the nearest-rank 95th percentile: of the window's n
// latencies (nulls are not values) sorted ascending, the one at rank ceil(0.95 × n). The SQL computes it from the
// hourly rollup's count of requests per latency (prompt_latencies_hourly), summed over the window's hours, in
// integer arithmetic, so it is exact and Athena and DuckDB give the same value (approx_percentile is approximate
// in Athena). Each case below is one prompt, its latencies all in the window after the deploy and spread over
// several hours (equal latencies in different hours count together); the expected values are computed by hand.

const SQL = readFileSync(join(QUERIES_DIR, 'reports/deploy_change.sql'), 'utf8');
const DEPLOYED = Date.parse('2026-11-02T10:00:00Z');
const HOUR = 3_600_000;

/** The same values in an order that is not sorted (by a scrambled key), so the query must sort them. */
const shuffled = (values: number[]) =>
  [...values].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101) || a - b);
const range = (n: number, step = 1) => Array.from({ length: n }, (_, i) => (i + 1) * step);

const CASES: { name: string; latencies: (number | null)[]; p95: number | null }[] = [
  // n = 1: ceil(0.95) = 1, the one value.
  { name: 'n1', latencies: [700], p95: 700 },
  // n = 2: ceil(1.9) = 2, the larger.
  { name: 'n2', latencies: [900, 300], p95: 900 },
  // n = 19: ceil(18.05) = 19, the largest.
  { name: 'n19', latencies: shuffled(range(19, 10)), p95: 190 },
  // n = 20: ceil(19) = 19 exactly (0.95 × 20 is no float that rounds up to 20), the 19th of 10..200.
  { name: 'n20', latencies: shuffled(range(20, 10)), p95: 190 },
  // n = 21: ceil(19.95) = 20, the 20th of 10..210.
  { name: 'n21', latencies: shuffled(range(21, 10)), p95: 200 },
  // n = 40: ceil(38) = 38: 38, not one of the two outliers above it.
  { name: 'n40', latencies: shuffled([...range(38), 5000, 9000]), p95: 38 },
  // n = 100: ceil(95) = 95.
  { name: 'n100', latencies: shuffled(range(100)), p95: 95 },
  // Ties: n = 5, rank 5 is the single 9; n = 20, ranks 2..20 are all 8.
  { name: 'ties-below', latencies: [5, 5, 9, 5, 5], p95: 9 },
  { name: 'ties-at-rank', latencies: [8, 8, 8, 3, ...Array.from({ length: 16 }, () => 8)], p95: 8 },
  // Ties across ranks 19 and 20 of n = 20: the value, whichever tied row holds rank 19.
  { name: 'ties-across', latencies: [...range(18), 50, 50], p95: 50 },
  // Nulls are not values: n = 3 of 8 requests, ceil(2.85) = 3.
  { name: 'nulls', latencies: [null, 40, null, 10, null, 20, null, null], p95: 40 },
  // Requests but no latency: no p95.
  { name: 'no-latency', latencies: [null, null], p95: null },
  // Fractions of a millisecond, as a client measures them: whole ms below 1 s, 3 significant digits above.
  // n = 3, rank 3: 12,345.6 → 12,300; n = 2, rank 2: 999.5 → 1,000 (half away from zero), 999.4 → 999.
  { name: 'rounded', latencies: [999.6, 1234.5, 12345.6], p95: 12300 },
  { name: 'rounded-half', latencies: [0.4, 999.5], p95: 1000 },
  { name: 'rounded-below', latencies: [0.4, 999.4], p95: 999 },
];

let tmp: { dir: string; remove: () => Promise<void> };
let engine: LocalQueryEngine;
beforeAll(async () => {
  tmp = await tempDir();
  const lake = new LakeFixture(tmp.dir);
  const events = CASES.flatMap(({ name, latencies }) =>
    latencies.map((latency, i) =>
      wireEvent({
        prompt_id: name,
        prompt_version: 'v1',
        ts: new Date(DEPLOYED + (i * HOUR) / 10).toISOString(),
        latency_ms: latency ?? undefined,
      }),
    ),
  );
  // The same prompt in the window before: its own ranking, apart from the window after.
  events.push(
    ...[100, 400, 200].map((latency, i) =>
      wireEvent({
        prompt_id: 'n21',
        prompt_version: 'v1',
        ts: new Date(DEPLOYED - (i + 1) * HOUR).toISOString(),
        latency_ms: latency,
      }),
    ),
  );
  await lake.events(events);
  engine = await LocalQueryEngine.open(tmp.dir);
  await rollUpLocalLake(engine);
});
afterAll(async () => {
  engine.close();
  await tmp.remove();
});

const instant = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** The deploy's two windows, one query each (as deploy-changes.ts runs them). */
async function windows(promptId: string) {
  const [first, last] = ['2026-11-01', '2026-11-03'];
  const measure = async (from: number, to: number) => {
    const bounds = [promptId, first, last, instant(from), instant(to)];
    const [row] = await engine.run(SQL, [...bounds, ...bounds, ...bounds]);
    return row;
  };
  return {
    before: await measure(DEPLOYED - 24 * HOUR, DEPLOYED),
    after: await measure(DEPLOYED, DEPLOYED + 24 * HOUR),
  };
}

/** A latency as the rollup keeps it: whole ms below 1 s, 3 significant digits above (half away from zero). */
function roundLatency(v: number): number {
  if (v < 999.5) return Math.round(v);
  let step = 10;
  while (v >= 1000 * step - step / 2) step *= 10;
  return Math.round(v / step) * step;
}

/** The nearest-rank percentile as the SQL's comment defines it, for a cross-check of the hand-computed values. */
function nearestRank(values: (number | null)[], p: number): number | null {
  const sorted = values
    .filter((v): v is number => v !== null)
    .map(roundLatency)
    .sort((a, b) => a - b);
  return sorted.length === 0 ? null : (sorted[Math.ceil(p * sorted.length) - 1] as number);
}

describe('deploy_change.sql p95_latency_ms: nearest rank, the same on Athena and DuckDB', () => {
  it.each(CASES)('$name: $p95', async ({ name, latencies, p95 }) => {
    expect(nearestRank(latencies, 0.95)).toBe(p95);
    const { after } = await windows(name);
    expect(after).toMatchObject({ requests: latencies.length, p95_latency_ms: p95 });
  });

  it('ranks each window on its own; a window without requests has no p95', async () => {
    const { before, after } = await windows('n21');
    expect(before).toMatchObject({ requests: 3, p95_latency_ms: 400 });
    expect(after).toMatchObject({ requests: 21, p95_latency_ms: 200 });
    expect(await windows('nobody')).toMatchObject({
      before: { requests: 0, p95_latency_ms: null },
      after: { requests: 0, p95_latency_ms: null },
    });
  });

  it('uses no approximate or engine-specific percentile function', () => {
    const code = SQL.replace(/--[^\n]*/g, '');
    expect(code).not.toMatch(/approx_percentile|quantile|percentile_(cont|disc)/i);
    expect(code).toMatch(/AS p95_latency_ms/);
  });
});
