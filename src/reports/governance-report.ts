import {
  checkGovernance,
  type Finding,
  type GovernanceResult,
  type PromptEvent,
  straddles,
} from '../core/governance/rules.ts';
import type { PromptRegistry } from '../ports/prompt-registry.ts';
import { engineInstant, type QueryRunner } from '../ports/query-runner.ts';
import { nextDay, utcDay } from './report-period.ts';

/** `report governance` as JSON (docs/contracts.md §9). */
export interface GovernanceReport extends GovernanceResult {
  from: string;
  to: string;
}

const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 } as const;

/**
 * The governance report over [from, to): the served prompt versions counted per version, cohort and hour
 * (queries/reports/prompt_groups.sql), checked against the registry; a group that a deploy or retire time of its
 * version falls inside is read request by request (prompt_group_events.sql), so the counts are exact.
 */
export async function governanceReport(
  queries: QueryRunner,
  registry: Pick<PromptRegistry, 'list'>,
  from: string,
  to: string,
): Promise<GovernanceReport> {
  const [rows, records] = await Promise.all([
    queries.run('reports/prompt_groups.sql', [from, to]),
    registry.list(),
  ]);
  const byVersion = new Map(records.map((r) => [`${r.prompt_id}\u0000${r.version}`, r]));
  const events: PromptEvent[] = [];
  for (const r of rows) {
    const hour = engineInstant(r.hour);
    const group: PromptEvent = {
      event_id: `${r.prompt_id}\u0000${r.prompt_version}\u0000${r.cohort}\u0000${hour}`,
      ts: engineInstant(r.first_ts),
      last_ts: engineInstant(r.last_ts),
      requests: Number(r.requests),
      cohort: String(r.cohort),
      prompt_id: String(r.prompt_id),
      prompt_version: String(r.prompt_version),
    };
    if (!straddles(group, byVersion.get(`${group.prompt_id}\u0000${group.prompt_version}`))) {
      events.push(group);
      continue;
    }
    const day = utcDay(hour);
    const one = await queries.run('reports/prompt_group_events.sql', [
      day,
      nextDay(day),
      group.prompt_id,
      group.prompt_version,
      group.cohort,
      sqlInstant(hour),
      sqlInstant(hour + 3_600_000),
    ]);
    for (const e of one) {
      events.push({
        event_id: String(e.event_id),
        ts: engineInstant(e.ts),
        cohort: String(e.cohort),
        prompt_id: String(e.prompt_id),
        prompt_version: String(e.prompt_version),
      });
    }
  }
  const result = checkGovernance(events, records);
  const findings = [...result.findings].sort(
    (a: Finding, b: Finding) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      b.requests - a.requests ||
      a.prompt_id.localeCompare(b.prompt_id),
  );
  return { from, to, findings, summary: result.summary };
}

/** An instant as SQL timestamp text, `YYYY-MM-DD HH:MM:SS.fff` (UTC), for `CAST(? AS TIMESTAMP)`. */
function sqlInstant(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
