import { renderCsv, renderTable } from '../cli/format/table.ts';
import { MARGIN_CSV_HEADER, type MarginReport, type MarginRow } from './margin-report.ts';
import { formatMoney, formatPercent, formatWhole } from './money.ts';

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

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained HTML page of the report (inline styles only, so it also survives email clients). */
export function marginHtml(report: MarginReport): string {
  const t = report.totals;
  const cell = (text: string, right = false, negative = false) =>
    `<td style="padding:4px 8px;border-bottom:1px solid #e5e7eb;${right ? 'text-align:right;' : ''}${negative ? 'color:#b91c1c;font-weight:600;' : ''}">${esc(text)}</td>`;
  const head = [
    'Cohort',
    'Feature',
    'Requests',
    'Users',
    'Cost $',
    'Revenue $',
    'Margin $',
    'Margin %',
    '$/request',
  ]
    .map((h) => `<th style="padding:4px 8px;border-bottom:2px solid #111827;text-align:left;">${h}</th>`)
    .join('');
  const rows = report.rows
    .map(
      (r) =>
        `<tr>${cell(r.cohort)}${cell(r.feature)}${cell(formatWhole(r.requests), true)}${cell(formatWhole(r.active_users), true)}${cell(formatMoney(r.cost), true)}${cell(formatMoney(r.revenue), true)}${cell(formatMoney(r.margin), true, r.margin < 0)}${cell(formatPercent(r.margin_pct), true, r.margin < 0)}${cell(formatMoney(r.cost_per_request, 4), true)}</tr>`,
    )
    .join('\n');
  const total = (label: string, value: string) =>
    `<tr><td style="padding:2px 8px;">${label}</td><td style="padding:2px 8px;text-align:right;">${esc(value)}</td></tr>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tokenledger margin ${esc(report.month)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#111827;">
<h1 style="font-size:20px;">Margin by cohort and feature — ${esc(report.month)}</h1>
<table style="border-collapse:collapse;font-size:13px;">
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody></table>
<h2 style="font-size:16px;">Totals (USD)</h2>
<table style="border-collapse:collapse;font-size:13px;">
${total('Billed (invoices)', formatMoney(t.billed))}
${total('Allocated to requests', formatMoney(t.allocated))}
${total('Unallocated', formatMoney(t.unallocated))}
${total('Estimated (price book)', formatMoney(t.estimated))}
${total('Coverage', formatPercent(t.coverage))}
${total('Cost', formatMoney(t.cost))}
${total('Revenue', formatMoney(t.revenue))}
${total('Margin', formatMoney(t.margin))}
</table>
</body></html>
`;
}
