import type { DeployRecord } from '../prompts/deploy-record.ts';

/**
 * One served request of a prompt version (from the deduplicated events), or a group of them of one cohort: then
 * `requests` counts them, `ts` is the first one's and `last_ts` the last one's, and no deploy or retire time of the
 * version may fall within (`ts`, `last_ts`] — split such a group into its requests ({@link straddles}).
 */
export interface PromptEvent {
  /** The request's id, or the group's (unique among the events checked together). */
  event_id: string;
  /** Epoch ms: the request's, or the group's first. */
  ts: number;
  cohort: string;
  prompt_id: string;
  prompt_version: string;
  /** A group's requests. @default 1 */
  requests?: number;
  /** A group's last ts. @default ts */
  last_ts?: number;
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
const weight = (e: PromptEvent) => e.requests ?? 1;

/**
 * Whether a time rule of `record` (deployed_at, retired_at) would split `group`: a boundary after its first request
 * and at or before its last. Such a group must be checked request by request.
 */
export function straddles(group: PromptEvent, record: DeployRecord | undefined): boolean {
  if (!record) return false;
  const last = group.last_ts ?? group.ts;
  return [at(record.deployed_at), at(record.retired_at)].some((b) => group.ts < b && b <= last);
}

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
  for (const e of events) {
    if (straddles(e, registry.get(`${e.prompt_id}\u0000${e.prompt_version}`))) {
      throw new Error(
        `governance: group ${e.event_id} (${e.prompt_id} ${e.prompt_version}) holds a deploy or retire time: check its requests one by one`,
      );
    }
  }
  const byVersion = new Map<string, PromptEvent[]>();
  for (const e of events) {
    const key = `${e.prompt_id}\u0000${e.prompt_version}`;
    const list = byVersion.get(key);
    if (list) list.push(e);
    else byVersion.set(key, [e]);
  }
  const findings: Finding[] = [];
  const flagged = new Map<string, number>();
  const versionsWithFindings = new Set<string>();
  for (const [key, versionEvents] of [...byVersion].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const record = registry.get(key);
    for (const rule of RULES) {
      const matched = rule.events(record, versionEvents);
      if (matched.length === 0) continue;
      const first = versionEvents[0] as PromptEvent;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      let requests = 0;
      for (const e of matched) {
        flagged.set(e.event_id, weight(e));
        requests += weight(e);
        if (e.ts < min) min = e.ts;
        if ((e.last_ts ?? e.ts) > max) max = e.last_ts ?? e.ts;
      }
      versionsWithFindings.add(key);
      findings.push({
        rule: rule.rule,
        severity: rule.severity,
        prompt_id: first.prompt_id,
        prompt_version: first.prompt_version,
        requests,
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
      requests: events.reduce((n, e) => n + weight(e), 0),
      requests_with_findings: [...flagged.values()].reduce((n, w) => n + w, 0),
    },
  };
}
