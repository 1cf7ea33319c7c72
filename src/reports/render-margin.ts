import { AMBER, barChart, emailPage, heading, htmlTable, keyValues, RED } from './html/email-html.ts';
import { MARGIN_CSV_HEADER, type MarginReport, type MarginRow } from './margin-report.ts';
import { formatMoney, formatPercent, formatWhole } from './money.ts';
import { renderCsv, renderTable } from './table-format.ts';

/** The margin table a finance person reads in a terminal: aligned, money to the cent, negatives in (). */
export function marginTable(report: MarginReport): string {
  const t = report.totals;
  const table = renderTable<MarginRow>(
    [
      { label: 'cohort', value: (r) => r.cohort },
      { label: 'feature', value: (r) => r.feature },
      { label: 'requests', value: (r) => formatWhole(r.requests), align: 'right' },
      { label: 'users', value: (r) => formatWhole(r.active_users), align: 'right' },
      { label: 'input tok', value: (r) => formatWhole(r.input_tokens), align: 'right' },
      { label: 'output tok', value: (r) => formatWhole(r.output_tokens), align: 'right' },
      { label: 'cost $', value: (r) => formatMoney(r.cost), align: 'right' },
      { label: 'revenue $', value: (r) => formatMoney(r.revenue), align: 'right' },
      {
        label: 'margin $',
        value: (r) => `${formatMoney(r.margin)}${r.margin < 0 ? ' !' : '  '}`,
        align: 'right',
      },
      { label: 'margin %', value: (r) => formatPercent(r.margin_pct), align: 'right' },
      { label: '$/request', value: (r) => formatMoney(r.cost_per_request, 4), align: 'right' },
      { label: '$/user', value: (r) => formatMoney(r.cost_per_user, 4), align: 'right' },
    ],
    report.rows,
  );
  const lines = [
    `Margin by cohort and feature, ${report.month} (USD; negative amounts in parentheses, negative margins marked !)`,
    '',
    table,
    '',
    `  billed (invoices)     ${formatMoney(t.billed).padStart(14)}`,
    `  allocated to requests ${formatMoney(t.allocated).padStart(14)}   coverage ${formatPercent(t.coverage)}`,
    `  unallocated           ${formatMoney(t.unallocated).padStart(14)}   (invoice spend no request accounts for)`,
    `  estimated (price book)${formatMoney(t.estimated).padStart(14)}   (tokens no invoice line covers)`,
    `  cost                  ${formatMoney(t.cost).padStart(14)}   = allocated + estimated`,
    `  revenue               ${formatMoney(t.revenue).padStart(14)}`,
    `  margin                ${formatMoney(t.margin).padStart(14)}${t.margin < 0 ? ' !' : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function marginCsv(report: MarginReport): string {
  return renderCsv(
    MARGIN_CSV_HEADER,
    report.rows.map((r) => MARGIN_CSV_HEADER.map((k) => r[k as keyof MarginRow])),
  );
}

/** Sums the rows of each feature (over cohorts), largest margin first. */
function byFeature(
  report: MarginReport,
): { feature: string; cost: number; revenue: number; margin: number }[] {
  const sums = new Map<string, { feature: string; cost: number; revenue: number; margin: number }>();
  for (const r of report.rows) {
    const s = sums.get(r.feature) ?? { feature: r.feature, cost: 0, revenue: 0, margin: 0 };
    s.cost += r.cost;
    s.revenue += r.revenue;
    s.margin += r.margin;
    sums.set(r.feature, s);
  }
  return [...sums.values()].sort((a, b) => b.margin - a.margin);
}

/** One line for the top of the email: the month's revenue, cost, margin and invoice coverage. */
export function marginSummary(report: MarginReport): string {
  const t = report.totals;
  const pct = t.revenue === 0 ? null : t.margin / t.revenue;
  return `Revenue $${formatMoney(t.revenue)}, cost $${formatMoney(t.cost)}, margin $${formatMoney(t.margin)} (${formatPercent(pct)}). ${formatPercent(t.coverage)} of the $${formatMoney(t.billed)} invoiced is allocated to requests.`;
}

/** The report as a self-contained HTML document (email-safe: tables, inline styles, bar charts as cells). */
export function marginHtml(report: MarginReport): string {
  const t = report.totals;
  const features = byFeature(report);
  const negative = (r: MarginRow) => (r.margin < 0 ? RED : undefined);
  return emailPage(
    `Margin by cohort and feature — ${report.month}`,
    marginSummary(report),
    [
      barChart(
        'Margin by feature (USD, all cohorts)',
        features.map((f) => ({ label: f.feature, value: f.margin, display: formatMoney(f.margin) })),
      ),
      barChart(
        'Cost by feature (USD)',
        [...features]
          .sort((a, b) => b.cost - a.cost)
          .map((f) => ({ label: f.feature, value: f.cost, display: formatMoney(f.cost), color: AMBER })),
      ),
      heading('Per cohort and feature'),
      htmlTable<MarginRow>(
        [
          { label: 'Cohort', value: (r) => r.cohort },
          { label: 'Feature', value: (r) => r.feature },
          { label: 'Requests', value: (r) => formatWhole(r.requests), align: 'right' },
          { label: 'Users', value: (r) => formatWhole(r.active_users), align: 'right' },
          { label: 'Cost $', value: (r) => formatMoney(r.cost), align: 'right' },
          { label: 'Revenue $', value: (r) => formatMoney(r.revenue), align: 'right' },
          { label: 'Margin $', value: (r) => formatMoney(r.margin), align: 'right', color: negative },
          { label: 'Margin %', value: (r) => formatPercent(r.margin_pct), align: 'right', color: negative },
          { label: '$/request', value: (r) => formatMoney(r.cost_per_request, 4), align: 'right' },
        ],
        report.rows,
        'No requests and no revenue this month.',
      ),
      heading('Totals (USD)'),
      keyValues([
        ['Billed (invoices)', formatMoney(t.billed)],
        ['Allocated to requests', formatMoney(t.allocated)],
        ['Unallocated', formatMoney(t.unallocated)],
        ['Estimated (price book)', formatMoney(t.estimated)],
        ['Coverage', formatPercent(t.coverage)],
        ['Cost', formatMoney(t.cost)],
        ['Revenue', formatMoney(t.revenue)],
        ['Margin', formatMoney(t.margin)],
      ]),
    ],
    'tokenledger margin report: cost = allocated (invoice unit cost) + estimated (price book); the CSV attached has every column.',
  );
}
