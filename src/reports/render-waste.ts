import { renderCsv, renderTable } from '../cli/format/table.ts';
import { formatMoney, formatPercent, formatWhole } from './money.ts';
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

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function wasteHtml(report: WasteReport): string {
  const td = (t: string, right = false) =>
    `<td style="padding:4px 8px;border-bottom:1px solid #e5e7eb;${right ? 'text-align:right;' : ''}">${esc(t)}</td>`;
  const rows = report.rows
    .map(
      (r) =>
        `<tr>${td(r.feature)}${td(r.provider)}${td(r.model)}${td(formatWhole(r.cancelled_requests), true)}${td(formatWhole(r.wasted_output_tokens), true)}${td(formatMoney(r.wasted_cost), true)}${td(formatPercent(r.waste_share), true)}${td(r.propagation_ratio === null ? '—' : r.propagation_ratio.toFixed(2), true)}</tr>`,
    )
    .join('\n');
  const head = [
    'Feature',
    'Provider',
    'Model',
    'Cancelled',
    'Wasted tokens',
    'Wasted $',
    'Of output $',
    'Propagation',
  ]
    .map((h) => `<th style="padding:4px 8px;border-bottom:2px solid #111827;text-align:left;">${h}</th>`)
    .join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tokenledger waste ${esc(report.from)}–${esc(report.to)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#111827;">
<h1 style="font-size:20px;">Cancellation waste — ${esc(report.from)} to ${esc(report.to)}</h1>
<table style="border-collapse:collapse;font-size:13px;"><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table>
<p>Wasted: ${esc(formatMoney(report.totals.wasted_cost))} USD, ${esc(formatWhole(report.totals.wasted_output_tokens))} output tokens.</p>
</body></html>
`;
}
