import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import type { DeployRecord } from '../../src/core/prompts/deploy-record.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import type { QueryRunner } from '../../src/ports/query-runner.ts';
import {
  DEFAULT_DEPLOY_CHANGE_THRESHOLDS,
  type DeployChangesReport,
  deployChanges,
  flagChange,
  type WindowMetrics,
} from '../../src/reports/deploy-changes.ts';
import {
  DEPLOY_CHANGES_CSV_HEADER,
  deployChangesCsv,
  deployChangesTable,
} from '../../src/reports/render-deploy-changes.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
let registry: FsPromptRegistry;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
  registry = new FsPromptRegistry(tmp.dir);
  // USD per million tokens: input 2.5 (2.5e-6 a token), output 10 (1e-5 a token).
  await lake.prices([
    { model: 'model-a', usage_type: 'input', usd_per_million_tokens: 2.5 },
    { model: 'model-a', usage_type: 'output', usd_per_million_tokens: 10 },
  ]);
});
afterEach(async () => {
  await tmp.remove();
});

function deploy(over: Partial<DeployRecord> = {}): DeployRecord {
  return {
    prompt_id: 'support',
    version: 'v2',
    author: 'ana@example.com',
    approved_by: 'bo@example.com',
    approved_at: '2026-11-01T10:00:00Z',
    eval: { run_id: 'eval-1', passed: true, score: 0.9, at: '2026-11-01T09:00:00Z' },
    deployed_at: '2026-11-02T10:00:00Z',
    rollout: null,
    kill_switch: 'flags/support',
    retired_at: null,
    change_ref: 'git:abc123',
    content_sha256: null,
    ...over,
  };
}

/** A request of a prompt; no cache tokens, so its cost is input × 2.5e-6 + output × 1e-5. */
const req = (ts: string, over: Record<string, unknown> = {}) =>
  wireEvent({
    model: 'model-a',
    prompt_id: 'support',
    prompt_version: 'v2',
    ts,
    status: 'ok',
    input_tokens: 1000,
    cache_read_tokens: 0,
    output_tokens: 0,
    latency_ms: 100,
    ...over,
  });

const NOW = new Date('2026-12-01T00:00:00Z');

async function report(
  from = '2026-11-02',
  to = '2026-11-03',
  options: Parameters<typeof deployChanges>[4] = {},
): Promise<DeployChangesReport> {
  const engine = await LocalQueryEngine.open(tmp.dir);
  try {
    // The report reads the hourly rollups: roll up the events first, as the report job does.
    await rollUpLocalLake(engine);
    return await deployChanges(new LocalQueryRunner(engine), registry, from, to, { now: NOW, ...options });
  } finally {
    engine.close();
  }
}

const metrics = (over: Partial<WindowMetrics> = {}): WindowMetrics => ({
  requests: 100,
  cost_per_request: 0.01,
  error_rate: 0.05,
  cancel_rate: 0.1,
  p95_latency_ms: 1000,
  ...over,
});

describe('deploy changes: the prompt in the 24 whole hours before vs after deployed_at (DuckDB over a lake)', () => {
  it('computes requests, cost per request, error and cancel rates and p95 of every version of the prompt', async () => {
    // deployed_at 2026-11-02T12:00:00+02:00 = 10:00Z: before = [11-01 10:00Z, 11-02 10:00Z), after = [11-02
    // 10:00Z, 11-03 10:00Z).
    await registry.register(deploy({ deployed_at: '2026-11-02T12:00:00+02:00' }));
    const b1 = req('2026-11-01T10:00:00Z', { prompt_version: 'v1', latency_ms: 400, output_tokens: 100 });
    const before = [
      b1,
      req('2026-11-01T20:00:00Z', { prompt_version: 'v1', status: 'error', input_tokens: 2000 }),
      req('2026-11-02T09:59:59.999Z', { prompt_version: 'v1', latency_ms: 300, output_tokens: 300 }),
      // 03:00Z, no latency.
      req('2026-11-02T05:00:00+02:00', {
        prompt_version: 'v1',
        status: 'cancelled',
        output_tokens: 200,
        latency_ms: undefined,
      }),
    ];
    // 21 requests after: latencies 100, 200, …, 2000 and one without; 3 errors, 2 cancelled; each costs
    // 2000 × 2.5e-6 + 500 × 1e-5 = 0.01.
    const after = Array.from({ length: 21 }, (_, i) =>
      req(
        i === 0
          ? '2026-11-02T10:00:00Z'
          : i === 1
            ? '2026-11-02T11:00:00+01:00' // = 10:00Z
            : i === 20
              ? '2026-11-03T09:59:59.999Z'
              : new Date(Date.parse('2026-11-02T10:00:00Z') + i * 3_600_000).toISOString(),
        {
          status: i < 3 ? 'error' : i < 5 ? 'cancelled' : 'ok',
          latency_ms: i === 20 ? undefined : (i + 1) * 100,
          input_tokens: 2000,
          output_tokens: 500,
        },
      ),
    );
    const outside = [
      req('2026-11-01T09:59:59.999Z', { prompt_version: 'v1', status: 'error' }),
      req('2026-11-03T10:00:00Z', { status: 'error' }),
      req('2026-11-02T11:00:00Z', { prompt_id: 'billing', status: 'error' }),
      req('2026-11-02T11:00:00Z', { prompt_id: undefined, prompt_version: undefined, status: 'error' }),
    ];
    await lake.events([...before, ...after, ...outside]);
    await lake.events([b1]); // delivered twice: counts once

    // A handful of requests per window: compare every metric anyway (min_requests is tested below).
    const r = await report('2026-11-02', '2026-11-03', { thresholds: { min_requests: 1 } });

    expect(r.changes).toHaveLength(1);
    const [c] = r.changes;
    expect(c).toMatchObject({
      prompt_id: 'support',
      prompt_version: 'v2',
      deployed_at: '2026-11-02T10:00:00.000Z',
      change_ref: 'git:abc123',
      partial: false,
    });
    // before: costs 0.0025 + 0.001, 0.005, 0.0025 + 0.003, 0.0025 + 0.002 = 0.0185 over 4 requests;
    // latencies 400, 100, 300: the nearest-rank p95 of 3 values is the 3rd smallest.
    expect(c?.before.requests).toBe(4);
    expect(c?.before.cost_per_request).toBeCloseTo(0.0185 / 4, 12);
    expect(c?.before.error_rate).toBeCloseTo(1 / 4, 12);
    expect(c?.before.cancel_rate).toBeCloseTo(1 / 4, 12);
    expect(c?.before.p95_latency_ms).toBe(400);
    // after: 20 latencies, p95 = the ceil(0.95 × 20) = 19th smallest; the missing latency is not a value.
    expect(c?.after.requests).toBe(21);
    expect(c?.after.cost_per_request).toBeCloseTo(0.01, 12);
    expect(c?.after.error_rate).toBeCloseTo(3 / 21, 12);
    expect(c?.after.cancel_rate).toBeCloseTo(2 / 21, 12);
    expect(c?.after.p95_latency_ms).toBe(1900);
    // requests +425 %, $/request +116 %, errors −10.7 points, cancels −15.5 points, p95 +375 %.
    expect(c?.flags).toEqual(['requests', 'cost_per_request', 'error_rate', 'cancel_rate', 'p95_latency_ms']);
  });

  it('counts an event at deployed_at − 24 h and at deployed_at as before and after, and none at + 24 h', async () => {
    await registry.register(deploy({ deployed_at: '2026-11-02T10:00:00Z' }));
    await lake.events([
      req('2026-11-01T09:59:59.999Z', { status: 'cancelled' }), // before the before window
      req('2026-11-01T10:00:00Z', { status: 'cancelled' }), // before
      req('2026-11-02T09:59:59.999Z'), // before
      req('2026-11-02T10:00:00Z', { status: 'error' }), // after
      req('2026-11-03T09:59:59.999Z'), // after
      req('2026-11-03T10:00:00Z', { status: 'cancelled' }), // after the after window
    ]);

    const [c] = (await report()).changes;

    expect(c?.before).toMatchObject({ requests: 2, error_rate: 0, cancel_rate: 0.5 });
    expect(c?.after).toMatchObject({ requests: 2, error_rate: 0.5, cancel_rate: 0 });
  });

  it('reads deployed_at with an offset as the instant it names, and leaves the hour it falls inside out of both windows', async () => {
    // 2026-11-02T01:30:00+02:00 is 2026-11-01T23:30Z, inside the hour 23:00Z: before = [10-31 23:00Z, 11-01
    // 23:00Z), after = [11-02 00:00Z, 11-03 00:00Z); the windows straddle four dt partitions.
    await registry.register(deploy({ deployed_at: '2026-11-02T01:30:00+02:00' }));
    await lake.events([
      req('2026-10-31T22:59:59.999Z', { status: 'error' }), // before the before window
      req('2026-10-31T23:00:00Z', { status: 'error' }), // before
      req('2026-11-01T22:59:59.999Z'), // before
      req('2026-11-01T23:10:00Z', { status: 'cancelled' }), // the deploy's hour, before deployed_at: neither
      req('2026-11-01T23:40:00Z', { status: 'error' }), // the deploy's hour, after deployed_at: neither
      req('2026-11-02T00:00:00Z'), // after
      req('2026-11-02T23:59:59.999Z', { status: 'cancelled' }), // after
      req('2026-11-03T00:00:00Z', { status: 'cancelled' }), // after the after window
    ]);

    const [c] = (await report('2026-11-01', '2026-11-02')).changes;

    expect(c?.deployed_at).toBe('2026-11-01T23:30:00.000Z');
    expect(c?.before).toMatchObject({ requests: 2, error_rate: 0.5, cancel_rate: 0 });
    expect(c?.after).toMatchObject({ requests: 2, error_rate: 0, cancel_rate: 0.5 });
  });

  it('adds allocated and estimated cost per request', async () => {
    // The invoice bucket openai/model-a/input of 2026-11-02 bills $1 for 10,000 tokens: 1e-4 a token, more
    // than the list price. Telemetry in it (2,000 tokens) is below the invoice quantity, so each input token
    // of 2026-11-02 is allocated 1e-4; 2026-11-03 has no bucket, its input is estimated at 2.5e-6.
    await lake.costs([{ billed_cost: 1, consumed_quantity: 10_000 }]);
    await registry.register(deploy({ deployed_at: '2026-11-02T12:00:00Z' }));
    await lake.events([
      req('2026-11-02T06:00:00Z', { output_tokens: 100 }), // 0.1 + 0.001
      req('2026-11-02T13:00:00Z', { output_tokens: 100 }), // 0.1 + 0.001
      req('2026-11-03T06:00:00Z', { output_tokens: 100 }), // 0.0025 + 0.001
    ]);

    const [c] = (await report()).changes;

    expect(c?.before.cost_per_request).toBeCloseTo(0.101, 12);
    expect(c?.after.cost_per_request).toBeCloseTo((0.101 + 0.0035) / 2, 12);
  });

  it('has zero requests and null ratios for a window without traffic, and flags nothing it cannot compare', async () => {
    await registry.register(deploy({ prompt_id: 'new-prompt', version: 'v1' }));
    await lake.events([
      req('2026-11-02T12:00:00Z', { prompt_id: 'new-prompt', prompt_version: 'v1', latency_ms: undefined }),
    ]);

    const [c] = (await report()).changes;

    expect(c?.before).toEqual({
      requests: 0,
      cost_per_request: null,
      error_rate: null,
      cancel_rate: null,
      p95_latency_ms: null,
    });
    expect(c?.after).toMatchObject({ requests: 1, error_rate: 0, p95_latency_ms: null });
    expect(c?.flags).toEqual([]);
  });

  it('takes the versions deployed in [from, to), comparing instants, ordered by deployed_at, prompt, version', async () => {
    await Promise.all(
      [
        deploy({ prompt_id: 'at-from', version: 'v1', deployed_at: '2026-11-02T00:00:00Z' }),
        deploy({ prompt_id: 'at-to', version: 'v1', deployed_at: '2026-11-04T00:00:00Z' }),
        deploy({ prompt_id: 'last-second', version: 'v1', deployed_at: '2026-11-03T23:59:59Z' }),
        // 2026-11-01T23:00Z: the day before from, whatever the local date says.
        deploy({ prompt_id: 'utc-day-before', version: 'v1', deployed_at: '2026-11-02T01:00:00+02:00' }),
        // 2026-11-03T23:30Z: in the range, although the local date is the to day.
        deploy({ prompt_id: 'utc-day-in', version: 'v1', deployed_at: '2026-11-04T00:30:00+01:00' }),
        deploy({ prompt_id: 'b', version: 'v2', deployed_at: '2026-11-03T12:00:00+01:00' }),
        deploy({ prompt_id: 'b', version: 'v1', deployed_at: '2026-11-03T11:00:00Z' }),
        deploy({ prompt_id: 'a', version: 'v9', deployed_at: '2026-11-03T11:00:00Z' }),
      ].map((r) => registry.register(r)),
    );

    const r = await report('2026-11-02', '2026-11-04');

    expect(r.changes.map((c) => `${c.deployed_at} ${c.prompt_id} ${c.prompt_version}`)).toEqual([
      '2026-11-02T00:00:00.000Z at-from v1',
      '2026-11-03T11:00:00.000Z a v9',
      '2026-11-03T11:00:00.000Z b v1',
      '2026-11-03T11:00:00.000Z b v2',
      '2026-11-03T23:30:00.000Z utc-day-in v1',
      '2026-11-03T23:59:59.000Z last-second v1',
    ]);
    expect(r).toMatchObject({
      from: '2026-11-02',
      to: '2026-11-04',
      thresholds: DEFAULT_DEPLOY_CHANGE_THRESHOLDS,
    });
  });

  it('marks a change partial while its after window is not over at now', async () => {
    await registry.register(deploy({ deployed_at: '2026-11-02T10:00:00Z' }));
    // Off the hour: the after window is [11-02 11:00Z, 11-03 11:00Z).
    await registry.register(deploy({ prompt_id: 'off-hour', deployed_at: '2026-11-02T10:30:00Z' }));
    const at = async (now: string) =>
      (await report('2026-11-02', '2026-11-03', { now: new Date(now) })).changes.map((c) => c.partial);

    expect(await at('2026-11-03T09:59:59.999Z')).toEqual([true, true]);
    expect(await at('2026-11-03T10:00:00Z')).toEqual([false, true]);
    expect(await at('2026-11-03T10:59:59.999Z')).toEqual([false, true]);
    expect(await at('2026-11-03T11:00:00Z')).toEqual([false, false]);
  });

  it('while the after window is not over, does not flag requests (a count), but still the rates', async () => {
    await registry.register(deploy({ deployed_at: '2026-11-02T10:00:00Z' }));
    // 2 requests before; 1 after so far, an error.
    await lake.events([
      req('2026-11-02T08:00:00Z'),
      req('2026-11-02T09:00:00Z'),
      req('2026-11-02T11:00:00Z', { status: 'error' }),
    ]);
    const options = { thresholds: { min_requests: 1 } };
    const during = await report('2026-11-02', '2026-11-03', {
      ...options,
      now: new Date('2026-11-02T12:00:00Z'),
    });
    const after = await report('2026-11-02', '2026-11-03', {
      ...options,
      now: new Date('2026-11-03T10:00:00Z'),
    });
    expect(during.changes[0]).toMatchObject({ partial: true, flags: ['error_rate'] });
    expect(after.changes[0]).toMatchObject({ partial: false, flags: ['requests', 'error_rate'] });
  });

  it('with overlapping, also takes the deploys of the 24 h before from, whose after window reaches into it', async () => {
    await Promise.all(
      [
        deploy({ prompt_id: 'too-early', deployed_at: '2026-11-01T00:00:00Z' }),
        deploy({ prompt_id: 'reaches-in', deployed_at: '2026-11-01T00:00:00.001Z' }),
        deploy({ prompt_id: 'in', deployed_at: '2026-11-02T23:59:59Z' }),
        deploy({ prompt_id: 'after', deployed_at: '2026-11-03T00:00:00Z' }),
      ].map((r) => registry.register(r)),
    );
    const ids = (r: DeployChangesReport) => r.changes.map((c) => c.prompt_id);
    expect(ids(await report('2026-11-02', '2026-11-03', { overlapping: true }))).toEqual([
      'reaches-in',
      'in',
    ]);
    expect(ids(await report('2026-11-02', '2026-11-03'))).toEqual(['in']);
  });

  it('flags with the thresholds it is given, the others at their defaults', async () => {
    await registry.register(deploy({ deployed_at: '2026-11-02T10:00:00Z' }));
    // 2 requests before, 3 after (+50 %); error rate 0 → 1/3.
    await lake.events([
      req('2026-11-02T08:00:00Z'),
      req('2026-11-02T09:00:00Z'),
      req('2026-11-02T11:00:00Z'),
      req('2026-11-02T12:00:00Z'),
      req('2026-11-02T13:00:00Z', { status: 'error' }),
    ]);

    const loose = await report('2026-11-02', '2026-11-03', {
      thresholds: { relative: 0.5, min_requests: 2 },
    });
    const strict = await report('2026-11-02', '2026-11-03', {
      thresholds: { relative: 0.49, min_requests: 2 },
    });
    const few = await report('2026-11-02', '2026-11-03', { thresholds: { relative: 0.49, min_requests: 3 } });

    expect(loose.thresholds).toEqual({ relative: 0.5, rate_points: 0.02, min_requests: 2 });
    expect(loose.changes[0]?.flags).toEqual(['error_rate']);
    expect(strict.changes[0]?.flags).toEqual(['requests', 'error_rate']);
    // 2 requests before: below min_requests 3, only requests is compared.
    expect(few.changes[0]?.flags).toEqual(['requests']);
  });

  it('refuses a from or to that is not a date', async () => {
    await expect(report('2026-11', '2026-11-03')).rejects.toThrow(/from: expected a date YYYY-MM-DD/);
  });
});

describe('deployChanges: how it runs the queries (a recording query runner)', () => {
  /** Answers every query with no rows after a turn of the event loop, recording parameters and concurrency. */
  function recordingRunner() {
    const calls: { file: string; params: readonly string[] }[] = [];
    let running = 0;
    let maxRunning = 0;
    const runner: QueryRunner = {
      async run(file, params) {
        calls.push({ file, params });
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return [];
      },
    };
    return { runner, calls, maxRunning: () => maxRunning };
  }

  it('passes the prompt, the dt partitions and the window bounds as parameters, one query per window', async () => {
    await registry.register(deploy({ deployed_at: '2026-11-02T12:00:00+02:00' }));
    await registry.register(deploy({ prompt_id: 'midnight', deployed_at: '2026-11-02T00:00:00Z' }));
    await registry.register(deploy({ prompt_id: 'off-hour', deployed_at: '2026-11-02T13:20:00Z' }));
    const { runner, calls } = recordingRunner();

    await deployChanges(runner, registry, '2026-11-02', '2026-11-03', { now: NOW });

    // The prompt, the window's first and last dt, its first hour and the hour after its last: three times (the
    // requests, the costs, the latencies).
    const window = (prompt: string, firstDt: string, lastDt: string, from: string, to: string) => {
      const bounds = [prompt, firstDt, lastDt, `${from}:00:00.000`, `${to}:00:00.000`];
      return { file: 'reports/deploy_change.sql', params: [...bounds, ...bounds, ...bounds] };
    };
    expect(calls).toEqual([
      // On the hour: [deployed_at - 24 h, deployed_at) and [deployed_at, deployed_at + 24 h). The after window
      // ends at 11-03 00:00, exclusive: its last dt is 11-02.
      window('midnight', '2026-11-01', '2026-11-01', '2026-11-01 00', '2026-11-02 00'),
      window('midnight', '2026-11-02', '2026-11-02', '2026-11-02 00', '2026-11-03 00'),
      window('support', '2026-11-01', '2026-11-02', '2026-11-01 10', '2026-11-02 10'),
      window('support', '2026-11-02', '2026-11-03', '2026-11-02 10', '2026-11-03 10'),
      // 13:20: the 24 hours before 13:00, and the 24 from 14:00.
      window('off-hour', '2026-11-01', '2026-11-02', '2026-11-01 13', '2026-11-02 13'),
      window('off-hour', '2026-11-02', '2026-11-03', '2026-11-02 14', '2026-11-03 14'),
    ]);
  });

  it('runs at most `concurrency` queries at a time, and keeps the changes in order', async () => {
    for (let i = 0; i < 7; i++)
      await registry.register(deploy({ prompt_id: `p${i}`, deployed_at: `2026-11-02T0${i}:00:00Z` }));
    const { runner, calls, maxRunning } = recordingRunner();

    const r = await deployChanges(runner, registry, '2026-11-02', '2026-11-03', { now: NOW, concurrency: 3 });

    expect(calls).toHaveLength(14);
    expect(maxRunning()).toBe(3);
    expect(r.changes.map((c) => c.prompt_id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(r.changes[0]?.before).toEqual({
      requests: 0,
      cost_per_request: null,
      error_rate: null,
      cancel_rate: null,
      p95_latency_ms: null,
    });
  });

  it('runs 4 at a time by default and refuses a concurrency below 1', async () => {
    for (let i = 0; i < 6; i++)
      await registry.register(deploy({ prompt_id: `p${i}`, deployed_at: `2026-11-02T0${i}:00:00Z` }));
    const { runner, maxRunning } = recordingRunner();

    await deployChanges(runner, registry, '2026-11-02', '2026-11-03', { now: NOW });

    expect(maxRunning()).toBe(4);
    await expect(
      deployChanges(runner, registry, '2026-11-02', '2026-11-03', { concurrency: 0 }),
    ).rejects.toThrow(RangeError);
  });
});

describe('flagChange', () => {
  const t = DEFAULT_DEPLOY_CHANGE_THRESHOLDS;

  it('defaults to 25 % relative and 2 points for the rates', () => {
    expect(t).toEqual({ relative: 0.25, rate_points: 0.02, min_requests: 50 });
  });

  it('flags nothing when nothing moved', () => {
    expect(flagChange(metrics(), metrics(), t)).toEqual([]);
  });

  it.each([
    ['requests', { requests: 125 }, { requests: 126 }, { requests: 75 }, { requests: 74 }],
    [
      'cost_per_request',
      { cost_per_request: 0.0125 },
      { cost_per_request: 0.01251 },
      { cost_per_request: 0.0075 },
      { cost_per_request: 0.00749 },
    ],
    [
      'p95_latency_ms',
      { p95_latency_ms: 1250 },
      { p95_latency_ms: 1251 },
      { p95_latency_ms: 750 },
      { p95_latency_ms: 749 },
    ],
  ] as const)(
    '%s: exactly 25 % up or down is not flagged, beyond it is',
    (name, atUp, pastUp, atDown, pastDown) => {
      expect(flagChange(metrics(), metrics(atUp), t)).toEqual([]);
      expect(flagChange(metrics(), metrics(atDown), t)).toEqual([]);
      expect(flagChange(metrics(), metrics(pastUp), t)).toEqual([name]);
      expect(flagChange(metrics(), metrics(pastDown), t)).toEqual([name]);
    },
  );

  it.each([
    [
      'error_rate',
      { error_rate: 0.07 },
      { error_rate: 0.0701 },
      { error_rate: 0.03 },
      { error_rate: 0.0299 },
    ],
    [
      'cancel_rate',
      { cancel_rate: 0.12 },
      { cancel_rate: 0.1201 },
      { cancel_rate: 0.08 },
      { cancel_rate: 0.0799 },
    ],
  ] as const)(
    '%s: exactly 2 points up or down is not flagged, beyond it is',
    (name, atUp, pastUp, atDown, pastDown) => {
      expect(flagChange(metrics(), metrics(atUp), t)).toEqual([]);
      expect(flagChange(metrics(), metrics(atDown), t)).toEqual([]);
      expect(flagChange(metrics(), metrics(pastUp), t)).toEqual([name]);
      expect(flagChange(metrics(), metrics(pastDown), t)).toEqual([name]);
    },
  );

  it('compares rates in absolute points, not relative: 1 % → 2 % is 1 point, 10 % → 13 % is 3', () => {
    expect(flagChange(metrics({ error_rate: 0.01 }), metrics({ error_rate: 0.02 }), t)).toEqual([]);
    expect(flagChange(metrics({ error_rate: 0.1 }), metrics({ error_rate: 0.13 }), t)).toEqual([
      'error_rate',
    ]);
  });

  it('does not compare a relative metric whose before is 0 or null, whatever after is', () => {
    const none = metrics({
      requests: 0,
      cost_per_request: null,
      error_rate: null,
      cancel_rate: null,
      p95_latency_ms: null,
    });
    expect(flagChange(none, metrics(), t)).toEqual([]);
    expect(flagChange(metrics({ cost_per_request: 0, p95_latency_ms: 0 }), metrics(), t)).toEqual([]);
    expect(flagChange(metrics({ requests: 0 }), metrics({ requests: 0 }), t)).toEqual([]);
  });

  it('flags requests falling to 0, but not the ratios that became null with them', () => {
    const none = metrics({
      requests: 0,
      cost_per_request: null,
      error_rate: null,
      cancel_rate: null,
      p95_latency_ms: null,
    });
    expect(flagChange(metrics(), none, t)).toEqual(['requests']);
  });

  it('flags every moved metric, in report order', () => {
    const after = metrics({
      requests: 200,
      cost_per_request: 0.1,
      error_rate: 0.5,
      cancel_rate: 0.5,
      p95_latency_ms: 5000,
    });
    expect(flagChange(metrics(), after, t)).toEqual([
      'requests',
      'cost_per_request',
      'error_rate',
      'cancel_rate',
      'p95_latency_ms',
    ]);
  });

  it('uses the thresholds it is given', () => {
    const after = metrics({ requests: 140, error_rate: 0.09 });
    expect(flagChange(metrics(), after, { relative: 0.5, rate_points: 0.05, min_requests: 50 })).toEqual([]);
    expect(flagChange(metrics(), after, { relative: 0.3, rate_points: 0.03, min_requests: 50 })).toEqual([
      'requests',
      'error_rate',
    ]);
  });

  it('compares only requests while either window has fewer than min_requests requests', () => {
    const worse = { cost_per_request: 0.1, error_rate: 0.5, cancel_rate: 0.5, p95_latency_ms: 5000 };
    expect(flagChange(metrics({ requests: 49 }), metrics({ requests: 49, ...worse }), t)).toEqual([]);
    expect(flagChange(metrics({ requests: 50 }), metrics({ requests: 20, ...worse }), t)).toEqual([
      'requests',
    ]);
    expect(flagChange(metrics({ requests: 50 }), metrics({ requests: 50, ...worse }), t)).toEqual([
      'cost_per_request',
      'error_rate',
      'cancel_rate',
      'p95_latency_ms',
    ]);
  });
});

describe('rendering deploy changes', () => {
  const changes: DeployChangesReport = {
    from: '2026-11-02',
    to: '2026-11-03',
    thresholds: DEFAULT_DEPLOY_CHANGE_THRESHOLDS,
    changes: [
      {
        prompt_id: 'support',
        prompt_version: 'v2',
        deployed_at: '2026-11-02T10:00:00.000Z',
        change_ref: 'git:abc123',
        before: metrics(),
        after: metrics({ cost_per_request: 0.02, error_rate: 0.1 }),
        flags: ['cost_per_request', 'error_rate'],
        partial: false,
      },
      {
        prompt_id: 'draft, email',
        prompt_version: 'v1',
        deployed_at: '2026-11-02T20:30:00.000Z',
        change_ref: null,
        before: metrics({
          requests: 0,
          cost_per_request: null,
          error_rate: null,
          cancel_rate: null,
          p95_latency_ms: null,
        }),
        after: metrics({ requests: 3 }),
        flags: [],
        partial: true,
      },
    ],
  };

  it('writes one CSV row per change, before_ and after_ of each metric, flags joined by ;', () => {
    const lines = deployChangesCsv(changes).trimEnd().split('\n');
    expect(lines[0]).toBe(DEPLOY_CHANGES_CSV_HEADER.join(','));
    expect(DEPLOY_CHANGES_CSV_HEADER).toEqual([
      'prompt_id',
      'prompt_version',
      'deployed_at',
      'change_ref',
      'partial',
      'before_requests',
      'after_requests',
      'before_cost_per_request',
      'after_cost_per_request',
      'before_error_rate',
      'after_error_rate',
      'before_cancel_rate',
      'after_cancel_rate',
      'before_p95_latency_ms',
      'after_p95_latency_ms',
      'flags',
    ]);
    expect(lines.slice(1)).toEqual([
      'support,v2,2026-11-02T10:00:00.000Z,git:abc123,false,100,100,0.01,0.02,0.05,0.1,0.1,0.1,1000,1000,cost_per_request;error_rate',
      '"draft, email",v1,2026-11-02T20:30:00.000Z,,true,0,3,,0.01,,0.05,,0.1,,1000,',
    ]);
  });

  it('shows before → after per metric, marks the moved ones and the partial change', () => {
    const text = deployChangesTable(changes);
    const row = text.split('\n').find((l) => l.startsWith('2026-11-02 10:00Z')) ?? '';
    expect(row).toContain('0.010000 → 0.020000 !');
    expect(row).toContain('5.0% → 10.0% !');
    expect(row).toContain('10.0% → 10.0%');
    expect(row).toContain('cost_per_request, error_rate');
    const partial = text.split('\n').find((l) => l.includes('draft, email')) ?? '';
    expect(partial).toMatch(/^2026-11-02 20:30Z \*/);
    expect(partial).toContain('— → 0.010000');
    expect(text).toContain('* partial: the 24 h after the deploy are not over yet.');
    expect(text).toContain('1 of 2 deploys changed behaviour.');
  });

  it('says so when nothing was deployed', () => {
    expect(deployChangesTable({ ...changes, changes: [] })).toContain('No prompt version was deployed');
  });
});
