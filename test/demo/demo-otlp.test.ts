import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserHasher } from '../../packages/client/src/contract/user-hash.ts';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import { toWireEvent } from '../../packages/client/src/wire-event.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { OTEL_FEATURE } from '../../src/demo/otlp-traffic.ts';
import { DEMO_HMAC_KEY, generateTraffic } from '../../src/demo/traffic.ts';
import { runCli } from '../cli/run-cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The demo sends one feature's calls as OpenTelemetry spans through the local stream (src/demo/otlp-traffic.ts):
// each must land as the very event the client would have sent for the same call, but for the ids (the span's) and
// what spans cannot carry (time to first token).

const MONTH = '2026-10';
const REQUESTS = 3000;
let tmp: { dir: string; remove: () => Promise<void> };
let stdout = '';
let rows: Record<string, unknown>[] = [];
let lake = '';

beforeAll(async () => {
  tmp = await tempDir('tokenledger-demo-otlp-');
  lake = join(tmp.dir, 'lake');
  const run = await runCli('demo', '--requests', String(REQUESTS), '--month', MONTH, '--lake', lake);
  expect(run.code, run.stderr).toBe(0);
  stdout = run.stdout;
  const engine = await LocalQueryEngine.open(lake);
  try {
    rows = await engine.run(`SELECT * FROM events WHERE feature = '${OTEL_FEATURE}'`);
  } finally {
    engine.close();
  }
}, 120_000);

afterAll(async () => {
  await tmp.remove();
});

describe(`demo: ${OTEL_FEATURE} through OpenTelemetry`, () => {
  it('stores each span once as the event the client would have sent for the call', () => {
    const traffic = generateTraffic({ month: MONTH, requests: REQUESTS, seed: 42 });
    const hasher = new UserHasher(DEMO_HMAC_KEY);
    const calls = new Map<string, Record<string, unknown>>();
    for (const item of traffic.items) {
      if (item.kind !== 'call' || item.input.feature !== OTEL_FEATURE) continue;
      const at = Number(item.input.startedAt);
      const v = validateEvent(toWireEvent({ input: item.input, at }, hasher), at + 1000);
      if (!v.ok) throw new Error(`the demo made an invalid call: ${JSON.stringify(v.rejections)}`);
      const hex = v.event.event_id.replaceAll('-', '');
      calls.set(hex + hex.slice(16), { ...v.event, ttft_ms: null, trace_id: hex });
    }
    expect(calls.size).toBeGreaterThan(100);

    // One row per call: the retried spans were stored in the same consumer batch or deduplicated by the view.
    const byId = new Map<string, Record<string, unknown>>(rows.map((r) => [String(r.event_id), r]));
    expect([...byId.keys()].sort()).toEqual([...calls.keys()].sort());
    for (const [id, expected] of calls) {
      const row = byId.get(id) as Record<string, unknown>;
      for (const [field, value] of Object.entries(expected)) {
        if (field === 'event_id' || field === 'received_at') continue;
        const stored = row[field];
        const got = field === 'ts' ? new Date(String(stored)).getTime() : stored;
        expect(normal(got), `${id} ${field}`).toEqual(normal(value));
      }
    }
  });

  it('counts in the margin and waste reports the demo writes', () => {
    const distinct = (list: Record<string, unknown>[]) => new Set(list.map((r) => r.event_id)).size;
    const calls = distinct(rows);
    const cancelled = distinct(rows.filter((r) => r.status === 'cancelled'));
    const margin = JSON.parse(
      readFileSync(join(lake, 'reports', 'margin', MONTH, 'margin.json'), 'utf8'),
    ) as {
      rows: { feature: string; requests: number; cost: number }[];
    };
    const marginRows = margin.rows.filter((r) => r.feature === OTEL_FEATURE);
    expect(marginRows.reduce((n, r) => n + r.requests, 0)).toBe(calls);
    expect(marginRows.every((r) => r.cost > 0)).toBe(true);
    const [wasteDir] = readdirSync(join(lake, 'reports', 'waste'));
    const waste = JSON.parse(
      readFileSync(join(lake, 'reports', 'waste', String(wasteDir), 'waste.json'), 'utf8'),
    ) as { rows: { feature: string; requests: number; cancelled_requests: number }[] };
    const wasteRows = waste.rows.filter((r) => r.feature === OTEL_FEATURE);
    expect(cancelled).toBeGreaterThan(0);
    expect(wasteRows.reduce((n, r) => n + r.cancelled_requests, 0)).toBe(cancelled);
    expect(wasteRows.reduce((n, r) => n + r.requests, 0)).toBe(calls);
  });

  it('counts in the governance report: its prompt versions are judged on its spans', () => {
    const [dir] = readdirSync(join(lake, 'reports', 'governance'));
    const governance = JSON.parse(
      readFileSync(join(lake, 'reports', 'governance', String(dir), 'governance.json'), 'utf8'),
    ) as { findings: { prompt_id: string; prompt_version: string; rule: string; requests: number }[] };
    const findings = governance.findings.filter((f) => f.prompt_id === OTEL_FEATURE);
    expect(findings.length).toBeGreaterThan(0);
    // A version without a kill switch is flagged for every request it served: all of them came as spans.
    const noKillSwitch = findings.find((f) => f.rule === 'NO_KILL_SWITCH');
    const served = new Set(
      rows.filter((r) => r.prompt_version === noKillSwitch?.prompt_version).map((r) => r.event_id),
    );
    expect(served.size).toBeGreaterThan(0);
    expect(noKillSwitch?.requests).toBe(served.size);
  });

  it('says how many spans came through a Collector', () => {
    const match = /(\d[\d,]*) of the events are its spans, in (\d+) OTLP records/.exec(stdout);
    expect(match).not.toBeNull();
    expect(Number(match?.[1]?.replaceAll(',', ''))).toBeGreaterThanOrEqual(rows.length);
  });
});

/** Numbers as numbers (DuckDB gives BIGINT as bigint), empty maps as null. */
function normal(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  return v === undefined ? null : v;
}
