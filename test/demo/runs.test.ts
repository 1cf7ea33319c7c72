import { describe, expect, it } from 'vitest';
import { UserHasher } from '../../packages/client/src/contract/user-hash.ts';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { toWireEvent } from '../../packages/client/src/wire-event.ts';
import { FEATURES, NOISY_CUSTOMER } from '../../src/demo/catalogue.ts';
import { demoCalls, ListPrices } from '../../src/demo/invoices.ts';
import { demoRevenue } from '../../src/demo/revenue.ts';
import { DEMO_HMAC_KEY, generateTraffic, type Traffic } from '../../src/demo/traffic.ts';

// The demo month has something for the run and customer reports to show (src/demo/catalogue.ts, traffic.ts): an
// agent whose requests come in runs (a few runaways, one run across midnight), a cheap-then-dear cascade, and a
// customer whose requests jump about tenfold mid-month. Checked on the demo's default size, 100,000 requests.

const MONTH = '2025-09';
const REQUESTS = 100_000;
const DAY_MS = 86_400_000;
const traffic = generateTraffic({ month: MONTH, requests: REQUESTS, seed: 42 });
const prices = new ListPrices();

interface Call {
  input: RecordInput;
  ts: number;
  /** List-price cost. */
  cost: number;
}

/** The traffic's requests, each event id once, with their list-price cost. */
function callsOf(t: Traffic): Call[] {
  const seen = new Set<string>();
  const inputs: RecordInput[] = [];
  for (const item of t.items) {
    if (item.kind !== 'call' || seen.has(item.input.eventId as string)) continue;
    seen.add(item.input.eventId as string);
    inputs.push(item.input);
  }
  // demoCalls deduplicates the same way, in the same order.
  const demo = demoCalls(t);
  expect(demo).toHaveLength(inputs.length);
  return inputs.map((input, i) => ({
    input,
    ts: input.startedAt as number,
    cost: prices.callCost(demo[i] as (typeof demo)[number]),
  }));
}

const calls = callsOf(traffic);

/** A feature's runs: its calls by trace id, each in time order. */
function runsOf(feature: string, of: Call[] = calls): Call[][] {
  const runs = new Map<string, Call[]>();
  for (const c of of) {
    if (c.input.feature !== feature) continue;
    const id = c.input.traceId as string;
    runs.set(id, [...(runs.get(id) ?? []), c]);
  }
  return [...runs.values()].map((r) => [...r].sort((a, b) => a.ts - b.ts));
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] as number;
};
const runCost = (run: Call[]) => sum(run.map((c) => c.cost));
const runTokens = (run: Call[]) => sum(run.map((c) => c.input.inputTokens + c.input.outputTokens));
const dayOf = (ts: number) => new Date(ts).getUTCDate();
const RUN_FEATURES = FEATURES.filter((f) => f.runs !== undefined).map((f) => f.name);

describe('demo traffic: runs', () => {
  it('has exactly the requests asked for; only the run features carry trace ids, valid ones', () => {
    // Prepare
    const hasher = new UserHasher(DEMO_HMAC_KEY);

    // Assess
    expect(calls).toHaveLength(REQUESTS);
    expect(RUN_FEATURES.sort()).toEqual(['research-agent', 'support-triage']);
    for (const c of calls) {
      if (!RUN_FEATURES.includes(c.input.feature)) {
        expect(c.input.traceId, c.input.feature).toBeUndefined();
        continue;
      }
      expect(c.input.traceId).toMatch(/^[0-9a-f]{32}$/);
      const v = validateEvent(toWireEvent({ input: c.input, at: c.ts }, hasher), c.ts + 1000);
      expect(v.ok ? [] : v.rejections).toEqual([]);
      if (v.ok) expect(v.event.trace_id).toBe(c.input.traceId);
    }
    // Trace ids are a run's own: never shared across features.
    const features = new Map<string, string>();
    for (const c of calls.filter((x) => x.input.traceId !== undefined)) {
      expect(features.get(c.input.traceId as string) ?? c.input.feature).toBe(c.input.feature);
      features.set(c.input.traceId as string, c.input.feature);
    }
  });

  it('research-agent: runs of 3–15 calls seconds apart, one model, customer, user and cohort, within the month', () => {
    // Act
    const runs = runsOf('research-agent');
    const usual = runs.filter((r) => r.length <= 15);

    // Assess
    expect(runs.length).toBeGreaterThan(300);
    for (const run of usual) expect(run.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      const first = run[0] as Call;
      for (const key of ['customerId', 'userId', 'cohort', 'provider', 'model', 'promptVersion'] as const) {
        expect(new Set(run.map((c) => c.input[key])), key).toEqual(new Set([first.input[key]]));
      }
      for (let i = 1; i < run.length; i++) {
        const gap = (run[i] as Call).ts - (run[i - 1] as Call).ts;
        // The next step starts once the call before (and its tool) is done: seconds later.
        expect(gap).toBeGreaterThanOrEqual(((run[i - 1] as Call).input.latencyMs ?? 0) + 500);
        expect(gap).toBeLessThan(60_000);
      }
      // Only the last call, the answer streamed to the user, may be cancelled.
      for (const c of run.slice(0, -1)) expect(c.input.status).not.toBe('cancelled');
      expect(new Date(first.ts).toISOString().slice(0, 7)).toBe(MONTH);
      expect(new Date((run.at(-1) as Call).ts).toISOString().slice(0, 7)).toBe(MONTH);
    }
    // Later steps send the conversation so far, mostly from the prompt cache.
    const long = usual.filter((r) => r.length >= 10);
    for (const run of long) {
      expect((run.at(-1) as Call).input.inputTokens).toBeGreaterThan((run[0] as Call).input.inputTokens);
    }
  });

  it('research-agent: 3–6 runaways of 60–120 calls, each ≥ 10 × the median run in cost and tokens; no other run is', () => {
    // Act
    const runs = runsOf('research-agent');
    const costs = runs.map(runCost);
    const p50 = median(costs);
    const tokensP50 = median(runs.map(runTokens));
    const runaways = runs.filter((r) => r.length > 15);

    // Assess
    expect(runaways.length).toBeGreaterThanOrEqual(3);
    expect(runaways.length).toBeLessThanOrEqual(6);
    for (const run of runaways) {
      expect(run.length).toBeGreaterThanOrEqual(60);
      expect(run.length).toBeLessThanOrEqual(120);
      expect(runCost(run)).toBeGreaterThanOrEqual(10 * p50);
      expect(runTokens(run)).toBeGreaterThanOrEqual(10 * tokensP50);
    }
    // A report flagging runs at ≥ 10 × the median run's cost finds the runaways and only them (with room to spare).
    expect(runs.filter((r) => runCost(r) >= 10 * p50)).toEqual(runaways);
    expect(Math.max(...runs.filter((r) => r.length <= 15).map(runCost))).toBeLessThan(5 * p50);
  });

  it('research-agent: a run starts before midnight UTC and ends after it', () => {
    // Act
    const spanning = runsOf('research-agent').filter(
      (r) => dayOf((r[0] as Call).ts) !== dayOf((r.at(-1) as Call).ts),
    );

    // Assess
    expect(spanning.length).toBeGreaterThanOrEqual(1);
    const run = spanning[0] as Call[];
    const midnight = Date.UTC(2025, 8, 12);
    expect((run[0] as Call).ts).toBeLessThan(midnight);
    expect((run.at(-1) as Call).ts).toBeGreaterThanOrEqual(midnight);
    expect(run.filter((c) => c.ts < midnight).length).toBeGreaterThan(1);
    expect(run.filter((c) => c.ts >= midnight).length).toBeGreaterThan(1);
  });

  it('support-triage: 1–3 calls a run, the cheap model first; 15–25 % of runs escalate to the dear one, later', () => {
    // Prepare
    const [cheap, dear] = (FEATURES.find((f) => f.name === 'support-triage')?.models ?? []).map((m) => m[1]);

    // Act
    const runs = runsOf('support-triage');
    const escalated = runs.filter((r) => r.some((c) => c.input.model === dear));

    // Assess
    expect(runs.length).toBeGreaterThan(1000);
    expect(cheap).toBe('claude-3-5-haiku-20241022');
    expect(dear).toBe('claude-sonnet-4-20250514');
    for (const run of runs) {
      expect(run.length).toBeGreaterThanOrEqual(1);
      expect(run.length).toBeLessThanOrEqual(3);
      expect((run[0] as Call).input.model).toBe(cheap);
      expect(new Set(run.map((c) => c.input.customerId)).size).toBe(1);
      expect(new Set(run.map((c) => c.input.userId)).size).toBe(1);
    }
    const share = escalated.length / runs.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
    for (const run of escalated) {
      const first = run[0] as Call;
      const last = run.at(-1) as Call;
      // The dear call comes after the cheap one(s), on the dearer model.
      expect(last.input.model).toBe(dear);
      expect(last.ts).toBeGreaterThan(first.ts);
      expect(run.filter((c) => c.input.model === dear)).toHaveLength(1);
      expect(prices.perToken('anthropic', dear as string, 'output', first.ts)).toBeGreaterThan(
        prices.perToken('anthropic', cheap as string, 'output', first.ts) as number,
      );
    }
    // An escalation costs a few times a plain run, never ten times: escalations are not runaways.
    const p50 = median(runs.map(runCost));
    expect(median(escalated.map(runCost))).toBeGreaterThan(2 * p50);
    expect(Math.max(...runs.map(runCost))).toBeLessThan(9 * p50);
  });
});

describe('demo traffic: the customer that goes noisy', () => {
  const noisy = calls.filter((c) => c.input.customerId === NOISY_CUSTOMER.customerId);
  const jumpAt = Date.UTC(2025, 8, NOISY_CUSTOMER.jumpDay);
  const days = Array.from({ length: 30 }, (_, i) => {
    const from = Date.UTC(2025, 8, i + 1);
    const of = noisy.filter((c) => c.ts >= from && c.ts < from + DAY_MS);
    return { day: i + 1, requests: of.length, cost: sum(of.map((c) => c.cost)) };
  });

  it('sends about ten times as many requests a day from the jump day on', () => {
    // Act
    const before = days.filter((d) => d.day < NOISY_CUSTOMER.jumpDay);
    const after = days.filter((d) => d.day >= NOISY_CUSTOMER.jumpDay);
    const baseline = median(before.map((d) => d.requests));

    // Assess
    expect(noisy.every((c) => c.input.cohort === NOISY_CUSTOMER.cohort)).toBe(true);
    expect(noisy.every((c) => c.input.traceId === undefined)).toBe(true);
    expect(baseline).toBeGreaterThan(20);
    for (const d of after) expect(d.requests, `day ${d.day}`).toBeGreaterThanOrEqual(5 * baseline);
    const ratio = median(after.map((d) => d.requests)) / baseline;
    expect(ratio).toBeGreaterThan(7);
    expect(ratio).toBeLessThan(14);
    expect(noisy.filter((c) => c.ts >= jumpAt).length).toBeGreaterThan(noisy.length / 2);
  });

  it('trips a daily alert "cost today > 5 × its trailing 7-day median" first on the jump day', () => {
    // Act
    const alerts = days
      .filter((d) => d.day > 7)
      .filter((d) => {
        const trailing = days.filter((x) => x.day >= d.day - 7 && x.day < d.day).map((x) => x.cost);
        return d.cost > 5 * median(trailing) && d.cost > 1;
      })
      .map((d) => d.day);

    // Assess
    expect(alerts[0]).toBe(NOISY_CUSTOMER.jumpDay);
  });

  it('is the costliest customer of the month, and ends it at a negative margin', () => {
    // Prepare
    const byCustomer = new Map<string, number>();
    for (const c of calls) {
      const id = c.input.customerId as string;
      byCustomer.set(id, (byCustomer.get(id) ?? 0) + c.cost);
    }
    const ranked = [...byCustomer].sort((a, b) => b[1] - a[1]);

    // Act
    const revenue = demoRevenue(traffic, { month: MONTH, seed: 42 });
    const row = revenue.text.split('\n').find((l) => l.includes(`,${NOISY_CUSTOMER.customerId},`));
    const amount = Number(row?.split(',')[3]);
    const cost = byCustomer.get(NOISY_CUSTOMER.customerId) as number;

    // Assess
    expect(ranked[0]?.[0]).toBe(NOISY_CUSTOMER.customerId);
    expect(cost).toBeGreaterThan(1.3 * (ranked[1]?.[1] as number));
    expect(amount).toBeGreaterThan(0);
    expect(amount).toBeLessThan(cost);
    expect(amount).toBeGreaterThan(0.5 * cost);
  });
});

describe('demo traffic: runs and the noisy customer in a short month, smaller', () => {
  it('February: runs stay in the month, one spans midnight, the noisy customer jumps and loses money', () => {
    // Prepare
    const february = generateTraffic({ month: '2026-02', requests: 20_000, seed: 3 });
    const start = Date.UTC(2026, 1, 1);
    const end = Date.UTC(2026, 2, 1);

    // Act
    const all = callsOf(february);
    const agent = runsOf('research-agent', all);
    const noisy = all.filter((c) => c.input.customerId === NOISY_CUSTOMER.customerId);
    const jumpAt = Date.UTC(2026, 1, NOISY_CUSTOMER.jumpDay);
    const perDay = (from: number, to: number) =>
      noisy.filter((c) => c.ts >= from && c.ts < to).length / ((to - from) / DAY_MS);
    const revenue = demoRevenue(february, { month: '2026-02', seed: 3 });
    const row = revenue.text.split('\n').find((l) => l.includes(`,${NOISY_CUSTOMER.customerId},`));

    // Assess
    expect(all).toHaveLength(20_000);
    for (const c of all) {
      expect(c.ts).toBeGreaterThanOrEqual(start);
      expect(c.ts).toBeLessThan(end);
    }
    expect(agent.some((r) => dayOf((r[0] as Call).ts) !== dayOf((r.at(-1) as Call).ts))).toBe(true);
    expect(perDay(jumpAt, end)).toBeGreaterThan(6 * perDay(start, jumpAt));
    expect(Number(row?.split(',')[3])).toBeLessThan(sum(noisy.map((c) => c.cost)));
  });

  it('is the same for the same seed', () => {
    // Act
    const a = generateTraffic({ month: '2026-02', requests: 5_000, seed: 9 });
    const b = generateTraffic({ month: '2026-02', requests: 5_000, seed: 9 });

    // Assess
    expect(JSON.stringify(b.items)).toBe(JSON.stringify(a.items));
  });
});
