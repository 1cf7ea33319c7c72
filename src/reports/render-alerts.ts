import { type AlertFinding, type AlertsReport, atStake } from './alerts-report.ts';
import { AMBER, emailPage, heading, htmlTable, keyValues, paragraph, RED } from './html/email-html.ts';
import { csvMoney, formatMoney, formatWhole } from './money.ts';
import { renderCsv, renderTable } from './table-format.ts';

const WHAT: Readonly<Record<AlertFinding['kind'], string>> = {
  customer: 'customer',
  feature: 'feature',
  runaway: 'runaway run',
};

const times = (r: number | null) => (r === null ? 'new' : `${r.toFixed(1)}×`);
/** Dollars to the cent, or to 4 decimals under a dollar (a small customer's usual day). */
const usd = (v: number) => `$${formatMoney(v, Math.abs(v) < 1 ? 4 : 2)}`;

/** What a finding says, in one line. */
export function findingText(f: AlertFinding): string {
  if (f.kind === 'runaway' && f.run) {
    return `runaway run ${f.subject} (${f.run.feature}): ${usd(f.cost)} over ${formatWhole(f.run.requests)} requests on ${f.run.models.join(', ')}, ${times(f.ratio)} the feature's median run (${usd(f.baseline)})`;
  }
  return `${WHAT[f.kind]} ${f.subject}: ${usd(f.cost)} on the day, ${f.ratio === null ? 'nothing the 7 days before (median $0)' : `${times(f.ratio)} its 7-day median of ${usd(f.baseline)}`}`;
}

/** One line: how many findings, how many critical. */
export function alertsSummary(report: AlertsReport): string {
  const { critical, warning } = report.summary;
  if (critical + warning === 0) {
    return `Nothing flagged on ${report.day}: no customer or feature above ${report.thresholds.factor}× its 7-day median (and $${formatMoney(report.thresholds.min_cost)}), no runaway run.`;
  }
  const parts = [
    ...(critical > 0 ? [`${critical} critical`] : []),
    ...(warning > 0 ? [`${warning} warning${warning === 1 ? '' : 's'}`] : []),
  ];
  return `${parts.join(', ')} on ${report.day}: ${report.findings
    .slice(0, 3)
    .map((f) => `${WHAT[f.kind]} ${f.subject} $${formatMoney(f.cost)}`)
    .join('; ')}${report.findings.length > 3 ? '; …' : ''}.`;
}

export function alertsTable(report: AlertsReport): string {
  const t = report.thresholds;
  const lines = [
    `Spend alerts of ${report.day} (USD): a customer or feature above ${t.factor}× its median of the 7 days before, runaway runs (≥ ${t.runaway_factor}× the feature's median run); $${formatMoney(t.min_cost)} at least, critical from $${formatMoney(t.critical_cost)} at stake`,
    '',
  ];
  if (report.findings.length === 0) lines.push(alertsSummary(report));
  else {
    lines.push(
      renderTable<AlertFinding>(
        [
          { label: 'severity', value: (f) => f.severity },
          { label: 'kind', value: (f) => WHAT[f.kind] },
          { label: 'subject', value: (f) => f.subject },
          { label: 'cost $', value: (f) => formatMoney(f.cost), align: 'right' },
          { label: 'baseline $', value: (f) => formatMoney(f.baseline, 4), align: 'right' },
          { label: 'ratio', value: (f) => times(f.ratio), align: 'right' },
          { label: 'at stake $', value: (f) => formatMoney(atStake(f)), align: 'right' },
        ],
        report.findings,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

const CSV_HEADER = [
  'severity',
  'kind',
  'subject',
  'cost',
  'baseline',
  'ratio',
  'feature',
  'requests',
  'models',
];

export function alertsCsv(report: AlertsReport): string {
  return renderCsv(
    CSV_HEADER,
    report.findings.map((f) => [
      f.severity,
      f.kind,
      f.subject,
      csvMoney(f.cost),
      csvMoney(f.baseline, 4),
      f.ratio === null ? '' : f.ratio.toFixed(2),
      f.run?.feature ?? '',
      f.run?.requests ?? '',
      f.run?.models.join(';') ?? '',
    ]),
  );
}

export function alertsHtml(report: AlertsReport): string {
  const t = report.thresholds;
  return emailPage(
    `Spend alerts — ${report.day}`,
    alertsSummary(report),
    [
      heading('Findings'),
      htmlTable<AlertFinding>(
        [
          {
            label: 'Severity',
            value: (f) => f.severity,
            color: (f) => (f.severity === 'critical' ? RED : AMBER),
          },
          { label: 'What', value: (f) => `${WHAT[f.kind]} ${f.subject}` },
          { label: 'Cost $', value: (f) => formatMoney(f.cost), align: 'right' },
          { label: 'Usual $', value: (f) => formatMoney(f.baseline, 4), align: 'right' },
          { label: 'Ratio', value: (f) => times(f.ratio), align: 'right' },
        ],
        report.findings,
        'Nothing flagged.',
      ),
      ...report.findings.map((f) => paragraph(findingText(f))),
      heading('Rules'),
      keyValues([
        ['Customer or feature', `day's cost above ${t.factor}× the median of the 7 days before`],
        ['Runaway run', `started that day, ≥ ${t.runaway_factor}× its feature's median run, 2+ requests`],
        ['Minimum', `$${formatMoney(t.min_cost)} on the day`],
        ['Critical (paged)', `$${formatMoney(t.critical_cost)} or more at stake`],
      ]),
    ],
    'tokenledger spend alerts: costs are allocated where invoices cover the day, else estimated at list price.',
  );
}

/** The page sent for the critical findings: a subject and a few lines of text. */
export function alertsPage(report: AlertsReport, folder: string): { subject: string; text: string } | null {
  const critical = report.findings.filter((f) => f.severity === 'critical');
  if (critical.length === 0) return null;
  return {
    subject: `[tokenledger] ${critical.length} critical spend alert${critical.length === 1 ? '' : 's'} on ${report.day}`,
    text: `${critical.map((f) => `- ${findingText(f)}`).join('\n')}\n\nThe day's report: ${folder} in the lake.`,
  };
}
