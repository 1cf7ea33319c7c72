import { barChart, emailPage, heading, htmlTable, paragraph, RED } from './html/email-html.ts';
import { formatMoney, formatPercent, formatWhole } from './money.ts';
import { periodText } from './report-period.ts';
import { renderCsv, renderTable } from './table-format.ts';
import { unpropagated, WASTE_CSV_HEADER, type WasteReport, type WasteRow } from './waste-report.ts';

export function wasteTable(report: WasteReport): string {
  const table = renderTable<WasteRow>(
    [
      { label: 'feature', value: (r) => r.feature },
      { label: 'provider', value: (r) => r.provider },
      { label: 'model', value: (r) => r.model },
      { label: 'requests', value: (r) => formatWhole(r.requests), align: 'right' },
      { label: 'cancelled', value: (r) => formatWhole(r.cancelled_requests), align: 'right' },
      { label: 'wasted tok', value: (r) => formatWhole(r.wasted_output_tokens), align: 'right' },
      { label: 'wasted $', value: (r) => formatMoney(r.wasted_cost), align: 'right' },
      { label: 'of output $', value: (r) => formatPercent(r.waste_share), align: 'right' },
      {
        label: 'propagation',
        value: (r) => (r.propagation_ratio === null ? '—' : r.propagation_ratio.toFixed(2)),
        align: 'right',
      },
    ],
    report.rows,
  );
  const lines = [
    `Cancellation waste, ${report.from} to ${report.to} (exclusive), USD`,
    '',
    table,
    '',
    `  wasted output tokens ${formatWhole(report.totals.wasted_output_tokens).padStart(16)}`,
    `  wasted cost          ${formatMoney(report.totals.wasted_cost).padStart(16)}`,
  ];
  const leaks = unpropagated(report);
  if (leaks.length > 0) {
    lines.push(
      '',
      'Cancellation is not reaching the provider here (propagation ≥ 0.80): streams keep generating after the stop.',
    );
    for (const { row, monthlyWaste } of leaks) {
      lines.push(
        `  ${row.feature} (${row.provider} ${row.model}): about $${formatMoney(monthlyWaste)} a month`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function wasteCsv(report: WasteReport): string {
  return renderCsv(
    WASTE_CSV_HEADER,
    report.rows.map((r) => WASTE_CSV_HEADER.map((k) => r[k as keyof WasteRow])),
  );
}

/** One line for the top of the email: what the stops cost. */
export function wasteSummary(report: WasteReport): string {
  const cancelled = report.rows.reduce((n, r) => n + r.cancelled_requests, 0);
  return `$${formatMoney(report.totals.wasted_cost)} paid for ${formatWhole(report.totals.wasted_output_tokens)} output tokens nobody saw, over ${formatWhole(cancelled)} cancelled requests.`;
}

/** The report as a self-contained HTML document (email-safe: tables, inline styles, bar charts as cells). */
export function wasteHtml(report: WasteReport): string {
  const leaks = unpropagated(report);
  const byFeature = new Map<string, number>();
  for (const r of report.rows) byFeature.set(r.feature, (byFeature.get(r.feature) ?? 0) + r.wasted_cost);
  return emailPage(
    `Cancellation waste — ${periodText(report.from, report.to)}`,
    wasteSummary(report),
    [
      barChart(
        'Wasted cost by feature (USD)',
        [...byFeature]
          .filter(([, v]) => v > 0)
          .sort((a, b) => b[1] - a[1])
          .map(([feature, v]) => ({ label: feature, value: v, display: formatMoney(v), color: RED })),
      ),
      leaks.length === 0
        ? ''
        : `${heading('Cancellation is not reaching the provider')}${paragraph(
            "In these groups most of the cancelled requests' output was generated after the user pressed stop (propagation ≥ 0.80): the stream is not aborted upstream. Wiring the stop through saves about:",
          )}${htmlTable(
            [
              { label: 'Feature', value: (l: (typeof leaks)[number]) => l.row.feature },
              { label: 'Provider / model', value: (l) => `${l.row.provider} ${l.row.model}` },
              {
                label: 'Propagation',
                value: (l) => (l.row.propagation_ratio ?? 0).toFixed(2),
                align: 'right',
              },
              {
                label: '$ a month',
                value: (l) => formatMoney(l.monthlyWaste),
                align: 'right',
                color: () => RED,
              },
            ],
            leaks,
          )}`,
      heading('Per feature, provider and model'),
      htmlTable<WasteRow>(
        [
          { label: 'Feature', value: (r) => r.feature },
          { label: 'Provider', value: (r) => r.provider },
          { label: 'Model', value: (r) => r.model },
          { label: 'Requests', value: (r) => formatWhole(r.requests), align: 'right' },
          { label: 'Cancelled', value: (r) => formatWhole(r.cancelled_requests), align: 'right' },
          { label: 'Wasted tokens', value: (r) => formatWhole(r.wasted_output_tokens), align: 'right' },
          { label: 'Wasted $', value: (r) => formatMoney(r.wasted_cost), align: 'right' },
          { label: 'Of output $', value: (r) => formatPercent(r.waste_share), align: 'right' },
          {
            label: 'Propagation',
            value: (r) => (r.propagation_ratio === null ? '—' : r.propagation_ratio.toFixed(2)),
            align: 'right',
          },
        ],
        report.rows,
        'No requests in this period.',
      ),
    ],
    "tokenledger cancellation waste: wasted tokens = output − delivered, priced at the request's output unit cost; the CSV attached has every column.",
  );
}
