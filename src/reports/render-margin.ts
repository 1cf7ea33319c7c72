import type { CustomersReport } from './customers-report.ts';
import { AMBER, barChart, emailPage, heading, htmlTable, keyValues, RED } from './html/email-html.ts';
import { MARGIN_CSV_HEADER, type MarginReport, type MarginRow, TOTAL_KEYS } from './margin-report.ts';
import { csvMoney, csvPercent, formatMoney, formatPercent, formatWhole } from './money.ts';
import { customersIntro, customersSections } from './render-customers.ts';
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
    `  margin                ${formatMoney(t.margin).padStart(14)}${mark(t.margin)}revenue − cost (the requests' cost)`,
    `  margin after all spend${formatMoney(t.margin_after_all_spend).padStart(14)}${mark(t.margin_after_all_spend)}revenue − billed − estimated (unallocated spend too)`,
    ...warningLines(report.warnings),
  ];
  return `${lines.join('\n')}\n`;
}

const mark = (value: number) => (value < 0 ? ' ! ' : '   ');

function warningLines(warnings: readonly string[]): string[] {
  return warnings.length === 0 ? [] : ['', 'Warnings:', ...warnings.map((w) => `  ! ${w}`)];
}

/** How each total is written in the CSV's totals block: money to the cent, coverage as a percentage. */
const TOTAL_CSV_LABELS: Readonly<Record<(typeof TOTAL_KEYS)[number], string>> = {
  billed: 'billed (invoices)',
  allocated: 'allocated to requests',
  unallocated: 'unallocated (billed − allocated)',
  estimated: 'estimated (price book)',
  coverage: 'coverage (allocated ÷ billed)',
  revenue: 'revenue',
  cost: 'cost (allocated + estimated)',
  margin: 'margin (revenue − cost)',
  margin_after_all_spend: 'margin after all spend (revenue − billed − estimated)',
};

/** How a row's cell is written in the CSV: money to the cent, per-request and per-user cost to 4 decimals. */
function rowCell(row: MarginRow, key: keyof MarginRow): unknown {
  switch (key) {
    case 'cost':
    case 'revenue':
    case 'margin':
      return csvMoney(row[key]);
    case 'cost_per_request':
    case 'cost_per_user':
      return csvMoney(row[key], 4);
    case 'margin_pct':
      return csvPercent(row[key]);
    default:
      return row[key];
  }
}

/**
 * The CSV a spreadsheet opens: one line per cohort and feature under MARGIN_CSV_HEADER, then, after an empty
 * line, the totals block (`total,USD` then one `name,amount` line per total), then any `warning,<text>` lines.
 * Money is rounded to the cent (the JSON keeps full precision), percentages as in the table.
 */
export function marginCsv(report: MarginReport): string {
  const rows = renderCsv(
    MARGIN_CSV_HEADER,
    report.rows.map((r) => MARGIN_CSV_HEADER.map((k) => rowCell(r, k as keyof MarginRow))),
  );
  const t = report.totals;
  const totals = renderCsv(
    ['total', 'USD'],
    TOTAL_KEYS.map((k) => [TOTAL_CSV_LABELS[k], k === 'coverage' ? csvPercent(t[k]) : csvMoney(t[k])]),
  );
  const warnings =
    report.warnings.length === 0
      ? ''
      : `\n${renderCsv(
          ['warning'],
          report.warnings.map((w) => [w]),
        )}`;
  return `${rows}\n${totals}${warnings}`;
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
  return `Revenue $${formatMoney(t.revenue)}, cost $${formatMoney(t.cost)}, margin $${formatMoney(t.margin)} (${formatPercent(pct)}); after all spend (unallocated included) $${formatMoney(t.margin_after_all_spend)}. ${formatPercent(t.coverage)} of the $${formatMoney(t.billed)} invoiced is allocated to requests.${report.warnings.length > 0 ? ` ${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'} below.` : ''}`;
}

/**
 * The report as a self-contained HTML document (email-safe: tables, inline styles, bar charts as cells); with the
 * month's customers report, a section on them after the totals (the costliest, the negative margins).
 */
export function marginHtml(report: MarginReport, customers?: CustomersReport): string {
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
        ['Margin (revenue − cost)', formatMoney(t.margin)],
        ['Margin after all spend (revenue − billed − estimated)', formatMoney(t.margin_after_all_spend)],
      ]),
      ...(customers
        ? [heading('Customers'), customersIntro(customers), ...customersSections(customers)]
        : []),
      ...(report.warnings.length > 0
        ? [
            heading('Warnings'),
            htmlTable<string>([{ label: 'Warning', value: (w) => w }], report.warnings, ''),
          ]
        : []),
    ],
    'tokenledger margin report: cost = allocated (invoice unit cost) + estimated (price book); the CSV attached has every column.',
  );
}
