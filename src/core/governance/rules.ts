import type { DeployRecord } from '../prompts/deploy-record.ts';

/** One served request of a prompt version (from the deduplicated events). */
export interface PromptEvent {
  event_id: string;
  /** Epoch ms. */
  ts: number;
  cohort: string;
  prompt_id: string;
  prompt_version: string;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Finding {
  rule: string;
  severity: Severity;
  prompt_id: string;
  prompt_version: string;
  requests: number;
  first_seen: string;
  last_seen: string;
}

export interface GovernanceResult {
  findings: Finding[];
  summary: {
    versions_seen: number;
    versions_with_findings: number;
    requests: number;
    requests_with_findings: number;
  };
}

interface Rule {
  rule: string;
  severity: Severity;
  /** The events the finding counts: all of the version's (a rule about the record) or those it matches. */
  events: (record: DeployRecord | undefined, events: readonly PromptEvent[]) => readonly PromptEvent[];
}

const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** The seven rules of docs/contracts.md §7, in order of severity. */
const RULES: readonly Rule[] = [
  { rule: 'UNREGISTERED_VERSION', severity: 'critical', events: (r, e) => (r ? [] : e) },
  {
    rule: 'SERVED_AFTER_RETIRE',
    severity: 'critical',
    events: (r, e) => (r?.retired_at ? e.filter((x) => x.ts >= at(r.retired_at)) : []),
  },
  {
    rule: 'NO_REVIEW',
    severity: 'high',
    events: (r, e) => (r && (!r.approved_by || r.approved_by === r.author) ? e : []),
  },
  {
    rule: 'NO_EVAL_GATE',
    severity: 'high',
    events: (r, e) => (r && (!r.eval?.passed || at(r.eval.at) > at(r.deployed_at)) ? e : []),
  },
  {
    rule: 'SERVED_BEFORE_DEPLOY',
    severity: 'medium',
    events: (r, e) => (r ? e.filter((x) => x.ts < at(r.deployed_at)) : []),
  },
  {
    rule: 'OUT_OF_ROLLOUT',
    severity: 'medium',
    events: (r, e) => {
      const cohorts = r?.rollout?.cohorts ?? [];
      return cohorts.length > 0 ? e.filter((x) => !cohorts.includes(x.cohort)) : [];
    },
  },
  { rule: 'NO_KILL_SWITCH', severity: 'low', events: (r, e) => (r && !r.kill_switch ? e : []) },
];

/**
 * Checks every prompt version seen in the events against its deploy record (docs/contracts.md §7). A rule about the
 * record counts all of the version's requests; a rule about events counts the events it matches; a finding
 * with no requests is not reported. Pure: the events and the registry in, the findings out.
 */
export function checkGovernance(
  events: readonly PromptEvent[],
  records: readonly DeployRecord[],
): GovernanceResult {
  const registry = new Map(records.map((r) => [`${r.prompt_id}\u0000${r.version}`, r]));
  const byVersion = new Map<string, PromptEvent[]>();
  for (const e of events) {
    const key = `${e.prompt_id}\u0000${e.prompt_version}`;
    const list = byVersion.get(key);
    if (list) list.push(e);
    else byVersion.set(key, [e]);
  }
  const findings: Finding[] = [];
  const flagged = new Set<string>();
  const versionsWithFindings = new Set<string>();
  for (const [key, versionEvents] of [...byVersion].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const record = registry.get(key);
    for (const rule of RULES) {
      const matched = rule.events(record, versionEvents);
      if (matched.length === 0) continue;
      const first = versionEvents[0] as PromptEvent;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const e of matched) {
        flagged.add(e.event_id);
        if (e.ts < min) min = e.ts;
        if (e.ts > max) max = e.ts;
      }
      versionsWithFindings.add(key);
      findings.push({
        rule: rule.rule,
        severity: rule.severity,
        prompt_id: first.prompt_id,
        prompt_version: first.prompt_version,
        requests: matched.length,
        first_seen: new Date(min).toISOString(),
        last_seen: new Date(max).toISOString(),
      });
    }
  }
  return {
    findings,
    summary: {
      versions_seen: byVersion.size,
      versions_with_findings: versionsWithFindings.size,
      requests: events.length,
      requests_with_findings: flagged.size,
    },
  };
}
