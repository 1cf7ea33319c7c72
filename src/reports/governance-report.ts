import { checkGovernance, type Finding, type GovernanceResult } from '../core/governance/rules.ts';
import type { PromptRegistry } from '../ports/prompt-registry.ts';
import type { QueryRunner } from '../ports/query-runner.ts';

/** `report governance` as JSON (docs/contracts.md §9). */
export interface GovernanceReport extends GovernanceResult {
  from: string;
  to: string;
}

const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 } as const;

/** Query engines print timestamps as `YYYY-MM-DD HH:MM:SS[.fff]`, in UTC here. */
function epochMs(value: unknown): number {
  const text = String(value);
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/** The governance report over [from, to): the served prompt versions (queries/reports/prompt_events.sql) and the registry. */
export async function governanceReport(
  queries: QueryRunner,
  registry: Pick<PromptRegistry, 'list'>,
  from: string,
  to: string,
): Promise<GovernanceReport> {
  const [rows, records] = await Promise.all([
    queries.run('reports/prompt_events.sql', [from, to]),
    registry.list(),
  ]);
  const events = rows.map((r) => ({
    event_id: String(r.event_id),
    ts: epochMs(r.ts),
    cohort: String(r.cohort),
    prompt_id: String(r.prompt_id),
    prompt_version: String(r.prompt_version),
  }));
  const result = checkGovernance(events, records);
  const findings = [...result.findings].sort(
    (a: Finding, b: Finding) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      b.requests - a.requests ||
      a.prompt_id.localeCompare(b.prompt_id),
  );
  return { from, to, findings, summary: result.summary };
}
