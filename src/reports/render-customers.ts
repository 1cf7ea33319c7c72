import {
  CUSTOMER_ROW_KEYS,
  type CustomerRow,
  type CustomersReport,
  negativeMarginCustomers,
} from './customers-report.ts';
import {
  AMBER,
  barChart,
  emailPage,
  heading,
  htmlTable,
  keyValues,
  paragraph,
  RED,
} from './html/email-html.ts';
import { csvMoney, csvPercent, formatMoney, formatPercent, formatWhole } from './money.ts';
import { renderCsv, renderTable } from './table-format.ts';

/** How the null row (requests without a customer id) is named where a person reads it. */
export const NO_CUSTOMER = '(no customer)';
/** Customers in the HTML's table and chart; every one is in the CSV and the JSON. */
const HTML_TOP = 20;

const who = (r: CustomerRow) => r.customer_id ?? NO_CUSTOMER;

/** One line: how concentrated the month's cost is and how many customers lose money. */
export function customersSummary(report: CustomersReport): string {
  const c = report.concentration;
  const losing = negativeMarginCustomers(report).length;
  const cost = report.rows.reduce((s, r) => s + r.cost, 0);
  return `${formatWhole(c.customers)} customer${c.customers === 1 ? '' : 's'} with requests cost $${formatMoney(cost)} in all; the costliest 1% of them ${formatPercent(c.top_1pct_cost_share)} of it, the costliest 10% ${formatPercent(c.top_10pct_cost_share)}. ${losing === 0 ? 'No customer has a negative margin.' : `${formatWhole(losing)} customer${losing === 1 ? ' has' : 's have'} a negative margin.`}`;
}

/** The table a finance person reads in a terminal: every customer, costliest first. */
export function customersTable(report: CustomersReport): string {
  const table = renderTable<CustomerRow>(
    [
      { label: 'customer', value: who },
      { label: 'cohort', value: (r) => r.cohort ?? '—' },
      { label: 'requests', value: (r) => formatWhole(r.requests), align: 'right' },
      { label: 'cost $', value: (r) => formatMoney(r.cost), align: 'right' },
      { label: 'revenue $', value: (r) => formatMoney(r.revenue), align: 'right' },
      {
        label: 'margin $',
        value: (r) => `${formatMoney(r.margin)}${r.margin < 0 ? ' !' : '  '}`,
        align: 'right',
      },
      { label: 'margin %', value: (r) => formatPercent(r.margin_pct), align: 'right' },
      { label: 'of cost', value: (r) => formatPercent(r.cost_share), align: 'right' },
    ],
    report.rows,
  );
  return `Customers, ${report.month} (USD; costliest first; negative margins marked !)\n\n${table}\n\n${customersSummary(report)}\n`;
}

/** Money to the cent and ratios as percentages, as the margin CSV writes them; the null row's id is empty. */
function cell(row: CustomerRow, key: keyof CustomerRow): unknown {
  switch (key) {
    case 'cost':
    case 'revenue':
    case 'margin':
      return csvMoney(row[key]);
    case 'margin_pct':
    case 'cost_share':
      return csvPercent(row[key]);
    default:
      return row[key];
  }
}

/** Every customer under CUSTOMER_ROW_KEYS, then after an empty line the concentration figures. */
export function customersCsv(report: CustomersReport): string {
  const c = report.concentration;
  return `${renderCsv(
    CUSTOMER_ROW_KEYS,
    report.rows.map((r) => CUSTOMER_ROW_KEYS.map((k) => cell(r, k))),
  )}\n${renderCsv(
    ['concentration', 'value'],
    [
      ['customers', c.customers],
      ['top_1pct_cost_share', csvPercent(c.top_1pct_cost_share)],
      ['top_10pct_cost_share', csvPercent(c.top_10pct_cost_share)],
    ],
  )}`;
}

/**
 * The HTML sections of the customers report: the costliest customers as a chart (negative margins in red) and a
 * table, every negative-margin customer, and the concentration figures. The margin email carries them too.
 */
export function customersSections(report: CustomersReport): string[] {
  const c = report.concentration;
  const top = report.rows.slice(0, HTML_TOP);
  const losing = negativeMarginCustomers(report);
  const negative = (r: CustomerRow) => (r.margin < 0 ? RED : undefined);
  const columns = [
    { label: 'Customer', value: who, color: negative },
    { label: 'Cohort', value: (r: CustomerRow) => r.cohort ?? '—' },
    { label: 'Requests', value: (r: CustomerRow) => formatWhole(r.requests), align: 'right' as const },
    { label: 'Cost $', value: (r: CustomerRow) => formatMoney(r.cost), align: 'right' as const },
    { label: 'Revenue $', value: (r: CustomerRow) => formatMoney(r.revenue), align: 'right' as const },
    {
      label: 'Margin $',
      value: (r: CustomerRow) => formatMoney(r.margin),
      align: 'right' as const,
      color: negative,
    },
    {
      label: 'Margin %',
      value: (r: CustomerRow) => formatPercent(r.margin_pct),
      align: 'right' as const,
      color: negative,
    },
    { label: 'Of cost', value: (r: CustomerRow) => formatPercent(r.cost_share), align: 'right' as const },
  ];
  return [
    barChart(
      `Costliest ${Math.min(HTML_TOP, report.rows.length)} customers (USD; red: negative margin)`,
      top.map((r) => ({
        label: who(r),
        value: r.cost,
        display: formatMoney(r.cost),
        color: r.margin < 0 ? RED : AMBER,
      })),
    ),
    heading('Concentration'),
    keyValues([
      ['Customers with requests', formatWhole(c.customers)],
      ['Costliest 1% of them: share of cost', formatPercent(c.top_1pct_cost_share)],
      ['Costliest 10% of them: share of cost', formatPercent(c.top_10pct_cost_share)],
    ]),
    heading(
      `Negative margin (${formatWhole(losing.length)})${losing.length > HTML_TOP ? `: the ${HTML_TOP} furthest below, all in the CSV` : ''}`,
    ),
    htmlTable(columns, losing.slice(0, HTML_TOP), 'No customer has a negative margin this month.'),
    heading(
      `Costliest customers${report.rows.length > HTML_TOP ? ` (top ${HTML_TOP} of ${formatWhole(report.rows.length)}; all in the CSV)` : ''}`,
    ),
    htmlTable(columns, top, 'No requests and no revenue this month.'),
  ];
}

export function customersHtml(report: CustomersReport): string {
  return emailPage(
    `Cost and margin per customer — ${report.month}`,
    customersSummary(report),
    customersSections(report),
    'tokenledger customers report: cost = allocated (invoice unit cost) + estimated (price book), per customer; revenue as imported; the CSV attached has every customer.',
  );
}

/** For the margin email: a paragraph saying what the customers section holds. */
export const customersIntro = (report: CustomersReport) => paragraph(customersSummary(report));
