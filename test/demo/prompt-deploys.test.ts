import { describe, expect, it } from 'vitest';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { checkGovernance, type PromptEvent } from '../../src/core/governance/rules.ts';
import { type DeployRecord, validateDeployRecord } from '../../src/core/prompts/deploy-record.ts';
import { FEATURES } from '../../src/demo/catalogue.ts';
import { DEMO_PROMPTS, demoDeployRecords } from '../../src/demo/prompt-deploys.ts';
import { generateTraffic, type Traffic } from '../../src/demo/traffic.ts';

const MONTH = '2025-09';
const HOUR = 3_600_000;
const traffic = generateTraffic({ month: MONTH, requests: 20_000, seed: 42 });
const records = demoDeployRecords(MONTH);

/** The traffic's requests, each event id once (a retry is the same request), as the lake's events_dedup. */
function calls(t: Traffic): RecordInput[] {
  const seen = new Set<string>();
  const out: RecordInput[] = [];
  for (const item of t.items) {
    if (item.kind !== 'call' || seen.has(item.input.eventId as string)) continue;
    seen.add(item.input.eventId as string);
    out.push(item.input);
  }
  return out;
}

const ms = (c: RecordInput) => c.startedAt as number;

function promptEvents(t: Traffic): PromptEvent[] {
  return calls(t).map((c) => ({
    event_id: c.eventId as string,
    ts: ms(c),
    cohort: c.cohort,
    prompt_id: c.promptId as string,
    prompt_version: c.promptVersion as string,
  }));
}

function record(promptId: string, version: string): DeployRecord {
  const r = records.find((x) => x.prompt_id === promptId && x.version === version);
  if (!r) throw new Error(`no record for ${promptId}@${version}`);
  return r;
}

const at = (iso: string | null) => Date.parse(iso as string);
const day = (d: number, time: string) => Date.parse(`${MONTH}-${String(d).padStart(2, '0')}T${time}:00Z`);

/** The anomalies the demo data is made to have (src/demo/prompt-deploys.ts), and nothing else. */
const EXPECTED = [
  'critical SERVED_AFTER_RETIRE draft-email@v7',
  'critical UNREGISTERED_VERSION support-agent@v13-hotfix',
  'high NO_EVAL_GATE summarize-thread@v5',
  'high NO_REVIEW rewrite-tone@v4',
  'low NO_KILL_SWITCH search-answer@v1',
  'medium OUT_OF_ROLLOUT search-answer@v2',
];

describe('demo prompt deploys', () => {
  it('are valid deploy records, one per registered version of every prompt the traffic names', () => {
    // Assess
    for (const [i, r] of records.entries()) {
      const v = validateDeployRecord(JSON.parse(JSON.stringify(r)), `record ${i + 1}`);
      expect(v.ok ? [] : v.errors).toEqual([]);
    }
    const keys = records.map((r) => `${r.prompt_id}@${r.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(records.map((r) => r.prompt_id))).toEqual(new Set(FEATURES.map((f) => f.promptId)));
    expect([...DEMO_PROMPTS.keys()].sort()).toEqual(FEATURES.map((f) => f.promptId).sort());
    expect(keys).not.toContain('support-agent@v13-hotfix');
    for (const r of records) {
      expect(r.change_ref).toMatch(/^[0-9a-f]{40}$/);
      expect(r.content_sha256).toMatch(/^[0-9a-f]{64}$/);
      if (r.approved_at) expect(at(r.approved_at)).toBeLessThan(at(r.deployed_at));
      if (r.eval) expect(at(r.eval.at)).toBeLessThan(at(r.deployed_at));
      if (r.retired_at) expect(at(r.retired_at)).toBeGreaterThan(at(r.deployed_at));
    }
    expect(demoDeployRecords(MONTH)).toEqual(records);
  });

  it('switch versions during the month: five deploys inside it, each retiring the version before', () => {
    // Act
    const start = Date.parse(`${MONTH}-01T00:00:00Z`);
    const end = Date.parse('2025-10-01T00:00:00Z');
    const inMonth = records.filter((r) => at(r.deployed_at) >= start && at(r.deployed_at) < end);

    // Assess
    expect(inMonth.map((r) => `${r.prompt_id}@${r.version}`).sort()).toEqual([
      'draft-email@v8',
      'rewrite-tone@v4',
      'search-answer@v2',
      'summarize-thread@v5',
      'support-agent@v13',
    ]);
    expect(record('draft-email', 'v7').retired_at).toBe(record('draft-email', 'v8').deployed_at);
    expect(record('support-agent', 'v12').retired_at).toBe(record('support-agent', 'v13').deployed_at);
    expect(record('search-answer', 'v1').retired_at).toBeNull();
    expect(record('search-answer', 'v2').rollout).toEqual({ cohorts: ['enterprise'], percent: 25 });
  });

  it('make the governance rules find exactly the intended anomalies in the demo traffic', () => {
    // Act
    const result = checkGovernance(promptEvents(traffic), records);

    // Assess
    const found = result.findings.map((f) => `${f.severity} ${f.rule} ${f.prompt_id}@${f.prompt_version}`);
    expect(found.sort()).toEqual(EXPECTED);
    const finding = (rule: string) => result.findings.find((f) => f.rule === rule);
    // A stale pod served v7 for a few hours after its retirement, a small share of the requests.
    const stale = finding('SERVED_AFTER_RETIRE');
    expect(at(stale?.first_seen ?? null)).toBeGreaterThanOrEqual(at(record('draft-email', 'v7').retired_at));
    expect(at(stale?.last_seen ?? null)).toBeLessThan(day(9, '22:00'));
    expect(stale?.requests).toBeGreaterThan(5);
    expect(stale?.requests).toBeLessThan(100);
    // The hotfix served support-agent for a day and a half, then v13 again.
    const hotfix = finding('UNREGISTERED_VERSION');
    expect(at(hotfix?.first_seen ?? null)).toBeGreaterThanOrEqual(day(20, '16:00'));
    expect(at(hotfix?.last_seen ?? null)).toBeLessThan(day(22, '04:00'));
    // The canary for enterprise leaked to a few pro requests, and only those.
    const leak = finding('OUT_OF_ROLLOUT');
    const v2 = promptEvents(traffic).filter(
      (e) => e.prompt_version === 'v2' && e.prompt_id === 'search-answer',
    );
    expect(leak?.requests).toBe(v2.filter((e) => e.cohort === 'pro').length);
    expect(leak?.requests).toBeGreaterThan(0);
    expect(leak?.requests).toBeLessThan(v2.filter((e) => e.cohort === 'enterprise').length);
    expect(v2.filter((e) => e.cohort === 'free')).toEqual([]);
  });

  it('serve each request the version deployed at its time, except the stale pod, the canary and the hotfix', () => {
    // Prepare
    const mains = new Map<string, DeployRecord[]>();
    for (const r of records.filter((x) => x.rollout === null)) {
      mains.set(r.prompt_id, [...(mains.get(r.prompt_id) ?? []), r]);
    }
    const current = (promptId: string, ts: number) =>
      (mains.get(promptId) ?? []).filter((r) => at(r.deployed_at) <= ts).at(-1)?.version;
    const unexpected: string[] = [];

    // Act
    for (const c of calls(traffic)) {
      const key = `${c.promptId}@${c.promptVersion}`;
      const r = records.find((x) => x.prompt_id === c.promptId && x.version === c.promptVersion);
      if (r && ms(c) < at(r.deployed_at)) unexpected.push(`${key} before its deploy`);
      if (c.promptVersion === current(c.promptId as string, ms(c))) continue;
      const stale = key === 'draft-email@v7' && ms(c) >= day(9, '14:00') && ms(c) < day(9, '22:00');
      const canary = key === 'search-answer@v2';
      const hotfix =
        key === 'support-agent@v13-hotfix' && ms(c) >= day(20, '16:00') && ms(c) < day(22, '04:00');
      if (!stale && !canary && !hotfix) unexpected.push(`${key} at ${new Date(ms(c)).toISOString()}`);
    }

    // Assess
    expect(unexpected).toEqual([]);
    const during = calls(traffic).filter(
      (c) => c.promptId === 'support-agent' && ms(c) >= day(20, '16:00') && ms(c) < day(22, '04:00'),
    );
    expect(new Set(during.map((c) => c.promptVersion))).toEqual(new Set(['v13-hotfix']));
  });

  it('support-agent v13 visibly changes production: longer outputs and slower, 24 h after vs before', () => {
    // Prepare
    const deployed = at(record('support-agent', 'v13').deployed_at);
    const window = (from: number, to: number) =>
      calls(traffic).filter(
        (c) => c.promptId === 'support-agent' && c.status !== 'error' && ms(c) >= from && ms(c) < to,
      );
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] as number;

    // Act
    const before = window(deployed - 24 * HOUR, deployed);
    const after = window(deployed, deployed + 24 * HOUR);

    // Assess
    expect(before.length).toBeGreaterThan(50);
    expect(after.length).toBeGreaterThan(50);
    const outputRatio = mean(after.map((c) => c.outputTokens)) / mean(before.map((c) => c.outputTokens));
    expect(outputRatio).toBeGreaterThan(1.2);
    expect(outputRatio).toBeLessThan(1.7);
    expect(p95(after.map((c) => c.latencyMs as number))).toBeGreaterThan(
      1.2 * p95(before.map((c) => c.latencyMs as number)),
    );
  });

  it('are the same for the same seed and month, and fit a short month', () => {
    // Act
    const again = generateTraffic({ month: MONTH, requests: 20_000, seed: 42 });
    const february = generateTraffic({ month: '2026-02', requests: 5_000, seed: 3 });

    // Assess
    expect(JSON.stringify(again.items)).toBe(JSON.stringify(traffic.items));
    const found = checkGovernance(promptEvents(february), demoDeployRecords('2026-02')).findings;
    expect(found.map((f) => `${f.severity} ${f.rule} ${f.prompt_id}@${f.prompt_version}`).sort()).toEqual(
      EXPECTED,
    );
  });
});
