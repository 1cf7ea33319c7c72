import type { Finding, Severity } from '../core/governance/rules.ts';
import type { DeployChange, DeployChangesReport, WindowMetrics } from './deploy-changes.ts';
import type { GovernanceReport } from './governance-report.ts';
import {
  AMBER,
  BLUE,
  barChart,
  emailPage,
  heading,
  htmlTable,
  keyValues,
  MUTED,
  paragraph,
  RED,
} from './html/email-html.ts';
import { formatMoney, formatPercent, formatWhole } from './money.ts';
import { periodText } from './report-period.ts';
import { renderCsv, renderTable } from './table-format.ts';

/** What each rule means, in the words a reviewer of the report needs (docs/contracts.md §7). */
export const RULE_MEANINGS: Record<string, string> = {
  UNREGISTERED_VERSION:
    'served users, but no deploy record exists: nobody can say who wrote, reviewed or tested it',
  SERVED_AFTER_RETIRE:
    'kept serving at or after its retired_at: the retirement (or kill switch) did not take',
  NO_REVIEW: 'no approver, or approved by its own author',
  NO_EVAL_GATE: 'no eval run, an eval that did not pass, or an eval run after the deploy',
  SERVED_BEFORE_DEPLOY:
    'served before its recorded deployed_at: deployed outside the pipeline that records deploys',
  OUT_OF_ROLLOUT: 'served a cohort outside its rollout.cohorts',
  NO_KILL_SWITCH: 'no kill switch recorded: it cannot be turned off without a deploy',
};

const SEVERITY_COLOR: Record<Severity, string> = { critical: RED, high: AMBER, medium: BLUE, low: MUTED };
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export const GOVERNANCE_CSV_HEADER = [
  'rule',
  'severity',
  'prompt_id',
  'prompt_version',
  'requests',
  'first_seen',
  'last_seen',
] as const;

export function governanceCsv(report: GovernanceReport): string {
  return renderCsv(
    GOVERNANCE_CSV_HEADER,
    report.findings.map((f) => GOVERNANCE_CSV_HEADER.map((k) => f[k])),
  );
}

const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** Counts of findings per severity, e.g. `2 critical, 1 high`; `no findings` when there are none. */
export function findingCounts(report: GovernanceReport): string {
  const counts = SEVERITIES.map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return counts.length === 0 ? 'no findings' : counts.join(', ');
}

/** One line for the top of the email. */
export function governanceSummary(report: GovernanceReport): string {
  const s = report.summary;
  return `${findingCounts(report)} on ${s.versions_with_findings} of ${s.versions_seen} prompt versions that served traffic; ${formatWhole(s.requests_with_findings)} of ${formatWhole(s.requests)} requests were served by a version with a finding.`;
}

export function governanceTable(report: GovernanceReport): string {
  const table = renderTable<Finding>(
    [
      { label: 'severity', value: (f) => f.severity },
      { label: 'rule', value: (f) => f.rule },
      { label: 'prompt', value: (f) => `${f.prompt_id}@${f.prompt_version}` },
      { label: 'requests', value: (f) => formatWhole(f.requests), align: 'right' },
      { label: 'first seen', value: (f) => minute(f.first_seen) },
      { label: 'last seen', value: (f) => minute(f.last_seen) },
    ],
    report.findings,
  );
  const s = report.summary;
  return `Prompt-deploy governance, ${report.from} to ${report.to} (exclusive)\n\n${table}\n\n  versions seen ${s.versions_seen}, with findings ${s.versions_with_findings}; requests ${formatWhole(s.requests)}, with findings ${formatWhole(s.requests_with_findings)}\n`;
}

const METRICS: readonly { key: keyof WindowMetrics; label: string; show: (v: number | null) => string }[] = [
  { key: 'requests', label: 'Requests', show: formatWhole },
  { key: 'cost_per_request', label: '$/request', show: (v) => formatMoney(v, 4) },
  { key: 'error_rate', label: 'Errors', show: formatPercent },
  { key: 'cancel_rate', label: 'Cancels', show: formatPercent },
  { key: 'p95_latency_ms', label: 'p95 ms', show: formatWhole },
];

function deployChangesHtml(changes: DeployChangesReport): string {
  const t = changes.thresholds;
  return `${heading('What each deploy changed (24 hours before → 24 hours after, in whole UTC hours)')}${paragraph(
    `Flagged (red) when requests, cost per request or p95 latency moved by more than ${formatPercent(t.relative)}, or the error or cancel rate by more than ${(t.rate_points * 100).toFixed(1)} points (rates and latency only with ${formatWhole(t.min_requests)} requests or more on both sides).`,
  )}${htmlTable<DeployChange>(
    [
      { label: 'Deployed (UTC)', value: (c) => `${minute(c.deployed_at)}${c.partial ? ' *' : ''}` },
      { label: 'Prompt', value: (c) => `${c.prompt_id}@${c.prompt_version}` },
      { label: 'Change', value: (c) => (c.change_ref ?? '—').slice(0, 12) },
      ...METRICS.map((m) => ({
        label: m.label,
        value: (c: DeployChange) => `${m.show(c.before[m.key])} → ${m.show(c.after[m.key])}`,
        align: 'right' as const,
        color: (c: DeployChange) => (c.flags.includes(m.key) ? RED : undefined),
      })),
    ],
    changes.changes,
    'No prompt version was deployed in this period.',
  )}${changes.changes.some((c) => c.partial) ? paragraph('* the 24 h after the deploy are not over yet.', MUTED) : ''}`;
}

/** The report as a self-contained HTML document (email-safe: tables, inline styles, bar charts as cells). */
export function governanceHtml(report: GovernanceReport, changes?: DeployChangesReport): string {
  const s = report.summary;
  const rules = [...new Set(report.findings.map((f) => f.rule))];
  return emailPage(
    `Prompt-deploy governance — ${periodText(report.from, report.to)}`,
    governanceSummary(report),
    [
      barChart(
        'Requests served by a version with a finding',
        report.findings.map((f) => ({
          label: `${f.rule} · ${f.prompt_id}@${f.prompt_version}`,
          value: f.requests,
          display: formatWhole(f.requests),
          color: SEVERITY_COLOR[f.severity],
        })),
      ),
      heading('Findings'),
      htmlTable<Finding>(
        [
          { label: 'Severity', value: (f) => f.severity, color: (f) => SEVERITY_COLOR[f.severity] },
          { label: 'Rule', value: (f) => f.rule },
          { label: 'Prompt', value: (f) => `${f.prompt_id}@${f.prompt_version}` },
          { label: 'Requests', value: (f) => formatWhole(f.requests), align: 'right' },
          { label: 'First seen (UTC)', value: (f) => minute(f.first_seen) },
          { label: 'Last seen (UTC)', value: (f) => minute(f.last_seen) },
        ],
        report.findings,
        'Every prompt version that served traffic was registered, reviewed, eval-gated and has a kill switch.',
      ),
      rules.length === 0
        ? ''
        : `${heading('What the rules mean')}${keyValues(
            rules.map((r) => [r, RULE_MEANINGS[r] ?? '']),
            'left',
          )}`,
      heading('Summary'),
      keyValues([
        ['Prompt versions that served traffic', formatWhole(s.versions_seen)],
        ['… with a finding', formatWhole(s.versions_with_findings)],
        ['Requests naming a prompt version', formatWhole(s.requests)],
        ['… served by a version with a finding', formatWhole(s.requests_with_findings)],
      ]),
      changes ? deployChangesHtml(changes) : '',
    ],
    'tokenledger prompt-deploy governance: served prompt versions checked against the prompt registry; the CSVs attached have every finding and deploy change.',
  );
}
