import { type DeployChange, type DeployChangesReport, METRICS } from './deploy-changes.ts';
import { formatPercent, formatWhole } from './money.ts';
import { renderCsv, renderTable } from './table-format.ts';

type MetricName = (typeof METRICS)[number]['name'];

/** The CSV columns: the deploy, then before_/after_ of each metric, then the moved metrics joined by `;`. */
export const DEPLOY_CHANGES_CSV_HEADER: readonly string[] = [
  'prompt_id',
  'prompt_version',
  'deployed_at',
  'change_ref',
  'partial',
  ...METRICS.flatMap((m) => [`before_${m.name}`, `after_${m.name}`]),
  'flags',
];

/** Cost per request in USD: requests cost fractions of a cent, so six decimals. */
function formatCostPerRequest(value: number | null): string {
  return value === null ? '—' : value.toFixed(6);
}

const FORMAT: Record<MetricName, (value: number | null) => string> = {
  requests: formatWhole,
  cost_per_request: formatCostPerRequest,
  error_rate: formatPercent,
  cancel_rate: formatPercent,
  p95_latency_ms: (v) => (v === null ? '—' : formatWhole(v)),
};

const LABEL: Record<MetricName, string> = {
  requests: 'requests',
  cost_per_request: '$/request',
  error_rate: 'errors',
  cancel_rate: 'cancels',
  p95_latency_ms: 'p95 ms',
};

/** `before → after` of one metric, with `!` when it moved beyond its threshold. */
function beforeAfter(change: DeployChange, name: MetricName): string {
  const format = FORMAT[name];
  const text = `${format(change.before[name])} → ${format(change.after[name])}`;
  return change.flags.includes(name) ? `${text} !` : text;
}

/** `2026-11-02 10:00Z`, or with seconds when the deploy has them. */
function formatInstant(iso: string): string {
  const text = iso.replace('T', ' ').replace(/\.000Z$/, 'Z');
  return text.endsWith(':00Z') ? `${text.slice(0, -4)}Z` : text;
}

/** The deploy changes as a plain-text table for the terminal and the text part of the email. */
export function deployChangesTable(report: DeployChangesReport): string {
  const t = report.thresholds;
  const lines = [
    `Deploy changes, ${report.from} to ${report.to} (exclusive): each prompt (all its versions) in the 24 whole UTC hours before → after the deploy (its own hour in neither, unless on the hour)`,
    '',
  ];
  if (report.changes.length === 0) {
    lines.push('  No prompt version was deployed in this period.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    renderTable<DeployChange>(
      [
        { label: 'deployed (UTC)', value: (c) => `${formatInstant(c.deployed_at)}${c.partial ? ' *' : ''}` },
        { label: 'prompt', value: (c) => c.prompt_id },
        { label: 'version', value: (c) => c.prompt_version },
        { label: 'change', value: (c) => (c.change_ref ?? '—').slice(0, 12) },
        ...METRICS.map((m) => ({
          label: LABEL[m.name],
          value: (c: DeployChange) => beforeAfter(c, m.name),
          align: 'right' as const,
        })),
        { label: 'moved', value: (c) => c.flags.join(', ') },
      ],
      report.changes,
    ),
    '',
    `  ! moved: requests, $/request or p95 by more than ${formatPercent(t.relative)} of before; errors or cancels by more than ${(t.rate_points * 100).toFixed(1)} points.`,
    '    Not compared: a metric that is — before or after, nor requests, $/request or p95 rising from 0,',
    `    nor anything but requests when a window has fewer than ${formatWhole(t.min_requests)} requests.`,
  );
  if (report.changes.some((c) => c.partial))
    lines.push('  * partial: the 24 h after the deploy are not over yet.');
  const flagged = report.changes.filter((c) => c.flags.length > 0).length;
  lines.push(
    '',
    `  ${formatWhole(flagged)} of ${formatWhole(report.changes.length)} deploys changed behaviour.`,
  );
  return `${lines.join('\n')}\n`;
}

/** One row per deploy, numbers unformatted (empty when null), flags joined by `;`. */
export function deployChangesCsv(report: DeployChangesReport): string {
  return renderCsv(
    DEPLOY_CHANGES_CSV_HEADER,
    report.changes.map((c) => [
      c.prompt_id,
      c.prompt_version,
      c.deployed_at,
      c.change_ref,
      c.partial,
      ...METRICS.flatMap((m) => [c.before[m.name], c.after[m.name]]),
      c.flags.join(';'),
    ]),
  );
}
