import { describe, expect, it } from 'vitest';
import { checkGovernance, type PromptEvent, straddles } from '../../src/core/governance/rules.ts';
import type { DeployRecord } from '../../src/core/prompts/deploy-record.ts';

const record = (overrides: Partial<DeployRecord> = {}): DeployRecord => ({
  prompt_id: 'support',
  version: 'v1',
  author: 'ana',
  approved_by: 'ben',
  approved_at: '2026-11-01T09:00:00Z',
  eval: { run_id: 'e1', passed: true, score: 0.9, at: '2026-11-01T09:30:00Z' },
  deployed_at: '2026-11-01T10:00:00Z',
  rollout: null,
  kill_switch: 'flags/support-v1',
  retired_at: null,
  change_ref: 'abc123',
  content_sha256: null,
  ...overrides,
});

let n = 0;
const event = (ts: string, overrides: Partial<PromptEvent> = {}): PromptEvent => ({
  event_id: `e${++n}`,
  ts: Date.parse(ts),
  cohort: 'pro',
  prompt_id: 'support',
  prompt_version: 'v1',
  ...overrides,
});

const rules = (events: PromptEvent[], records: DeployRecord[]) =>
  checkGovernance(events, records).findings.map((f) => `${f.rule}:${f.requests}`);

describe('governance rules (docs/contracts.md §7)', () => {
  it('a governed version served after its deploy has no finding', () => {
    expect(rules([event('2026-11-01T10:00:00Z'), event('2026-11-02T00:00:00Z')], [record()])).toEqual([]);
  });

  it('UNREGISTERED_VERSION counts every request of a version without a record', () => {
    const r = checkGovernance([event('2026-11-02T00:00:00Z', { prompt_version: 'hotfix' })], [record()]);
    expect(r.findings).toEqual([
      expect.objectContaining({
        rule: 'UNREGISTERED_VERSION',
        severity: 'critical',
        prompt_version: 'hotfix',
        requests: 1,
      }),
    ]);
  });

  it('SERVED_AFTER_RETIRE counts the events at or after retired_at, the boundary included', () => {
    const retired = record({ retired_at: '2026-11-05T00:00:00Z' });
    const events = [
      event('2026-11-04T23:59:59Z'),
      event('2026-11-05T00:00:00Z'),
      event('2026-11-05T01:00:00+01:00'),
    ];
    const r = checkGovernance(events, [retired]);
    expect(r.findings).toEqual([
      expect.objectContaining({
        rule: 'SERVED_AFTER_RETIRE',
        requests: 2,
        first_seen: '2026-11-05T00:00:00.000Z',
        last_seen: '2026-11-05T00:00:00.000Z',
      }),
    ]);
  });

  it('SERVED_BEFORE_DEPLOY counts only events before deployed_at (an event at deployed_at is fine)', () => {
    expect(rules([event('2026-11-01T09:59:59Z'), event('2026-11-01T10:00:00Z')], [record()])).toEqual([
      'SERVED_BEFORE_DEPLOY:1',
    ]);
  });

  it('NO_REVIEW: no approver, or the author approved their own change; counts all requests', () => {
    const events = [event('2026-11-02T00:00:00Z'), event('2026-11-03T00:00:00Z')];
    expect(rules(events, [record({ approved_by: null, approved_at: null })])).toEqual(['NO_REVIEW:2']);
    expect(rules(events, [record({ approved_by: 'ana' })])).toEqual(['NO_REVIEW:2']);
  });

  it('NO_EVAL_GATE: no eval, a failed eval, or an eval after the deploy', () => {
    const events = [event('2026-11-02T00:00:00Z')];
    expect(rules(events, [record({ eval: null })])).toEqual(['NO_EVAL_GATE:1']);
    expect(
      rules(events, [
        record({ eval: { run_id: 'e', passed: false, score: 0.2, at: '2026-11-01T09:00:00Z' } }),
      ]),
    ).toEqual(['NO_EVAL_GATE:1']);
    expect(
      rules(events, [
        record({ eval: { run_id: 'e', passed: true, score: 0.9, at: '2026-11-01T10:00:01Z' } }),
      ]),
    ).toEqual(['NO_EVAL_GATE:1']);
    expect(
      rules(events, [
        record({ eval: { run_id: 'e', passed: true, score: 0.9, at: '2026-11-01T10:00:00Z' } }),
      ]),
    ).toEqual([]);
  });

  it('OUT_OF_ROLLOUT counts events of cohorts outside a non-empty rollout; NO_KILL_SWITCH counts all', () => {
    const events = [event('2026-11-02T00:00:00Z', { cohort: 'free' }), event('2026-11-02T00:00:00Z')];
    expect(rules(events, [record({ rollout: { cohorts: ['pro'], percent: 10 } })])).toEqual([
      'OUT_OF_ROLLOUT:1',
    ]);
    expect(rules(events, [record({ rollout: { cohorts: [], percent: 100 } })])).toEqual([]);
    expect(rules(events, [record({ kill_switch: null })])).toEqual(['NO_KILL_SWITCH:2']);
  });

  it('summarises versions and requests, counting each flagged request once', () => {
    const events = [
      event('2026-11-02T00:00:00Z', { cohort: 'free' }),
      event('2026-11-02T00:00:00Z'),
      event('2026-11-02T00:00:00Z', { prompt_version: 'v2' }),
    ];
    const r = checkGovernance(events, [
      record({ kill_switch: null, rollout: { cohorts: ['pro'], percent: 10 } }),
      record({ version: 'v2' }),
    ]);
    expect(r.summary).toEqual({
      versions_seen: 2,
      versions_with_findings: 1,
      requests: 3,
      requests_with_findings: 2,
    });
  });
});

describe('governance over groups of requests (a version, a cohort, an hour)', () => {
  const group = (first: string, last: string, requests: number, overrides: Partial<PromptEvent> = {}) =>
    event(first, { last_ts: Date.parse(last), requests, ...overrides });

  it('counts a group as its requests, seen from its first to its last', () => {
    const r = checkGovernance(
      [
        group('2026-11-01T08:05:00Z', '2026-11-01T08:55:00Z', 40),
        group('2026-11-01T09:02:00Z', '2026-11-01T09:10:00Z', 2, { cohort: 'free' }),
        event('2026-11-01T11:00:00Z'),
      ],
      [record({ kill_switch: null })],
    );
    // served before the 10:00 deploy: both groups; no kill switch: every request
    expect(r.findings.map((f) => [f.rule, f.requests, f.first_seen, f.last_seen])).toEqual([
      ['SERVED_BEFORE_DEPLOY', 42, '2026-11-01T08:05:00.000Z', '2026-11-01T09:10:00.000Z'],
      ['NO_KILL_SWITCH', 43, '2026-11-01T08:05:00.000Z', '2026-11-01T11:00:00.000Z'],
    ]);
    // each request once, however many findings count it
    expect(r.summary).toEqual({
      versions_seen: 1,
      versions_with_findings: 1,
      requests: 43,
      requests_with_findings: 43,
    });
  });

  it('refuses a group that a deploy or retire time falls inside: it must be checked request by request', () => {
    const inside = group('2026-11-01T09:40:00Z', '2026-11-01T10:20:00Z', 5);
    expect(straddles(inside, record())).toBe(true);
    expect(() => checkGovernance([inside], [record()])).toThrow(/holds a deploy or retire time/);
    // a group that starts at the deploy time, or ends before it, is on one side of it
    expect(straddles(group('2026-11-01T10:00:00Z', '2026-11-01T10:50:00Z', 3), record())).toBe(false);
    expect(straddles(group('2026-11-01T09:00:00Z', '2026-11-01T09:59:59Z', 3), record())).toBe(false);
    expect(
      straddles(
        group('2026-11-03T10:00:00Z', '2026-11-03T10:30:00Z', 3),
        record({ retired_at: '2026-11-03T10:30:00Z' }),
      ),
    ).toBe(true);
  });
});
