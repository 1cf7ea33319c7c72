/**
 * The pieces every report's HTML is made of, written for email clients as much as browsers: tables for
 * layout, inline styles only (plus `bgcolor`/`width` attributes for clients that drop styles), no scripts,
 * no images, no external CSS. Bar charts are table cells of a computed pixel width. Read on phones too: tables and
 * charts scroll sideways inside their own box, text wraps, and the page stays as wide as the screen.
 */

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const INK = '#111827';
export const MUTED = '#6b7280';
export const RULE = '#e5e7eb';
export const BLUE = '#2563eb';
export const RED = '#b91c1c';
export const AMBER = '#d97706';
export const GREEN = '#15803d';

export interface HtmlColumn<R> {
  label: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
  /** Text colour of a cell, e.g. red for a negative margin. */
  color?: (row: R) => string | undefined;
}

const CELL = `padding:4px 8px;border-bottom:1px solid ${RULE};`;

/**
 * A box that keeps what it holds from widening the page: on a phone (400 px), a table wider than the screen
 * scrolls sideways inside it, and the page itself does not. Clients that drop the style show the table as before.
 */
function scrollBox(content: string): string {
  return `<div style="overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch;">
${content}
</div>`;
}

/** A data table; `empty` is shown as one row when there are no rows. */
export function htmlTable<R>(columns: readonly HtmlColumn<R>[], rows: readonly R[], empty = 'None.'): string {
  const head = columns
    .map(
      (c) =>
        `<th align="${c.align ?? 'left'}" style="padding:4px 8px;border-bottom:2px solid ${INK};text-align:${c.align ?? 'left'};white-space:nowrap;">${esc(c.label)}</th>`,
    )
    .join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${columns.length}" style="${CELL}color:${MUTED};">${esc(empty)}</td></tr>`
      : rows
          .map(
            (r) =>
              `<tr>${columns
                .map((c) => {
                  const color = c.color?.(r);
                  // No cell wraps: a row stays one line, and a table too wide for a phone scrolls in its box.
                  return `<td align="${c.align ?? 'left'}" style="${CELL}text-align:${c.align ?? 'left'};white-space:nowrap;${color ? `color:${color};font-weight:600;` : ''}">${esc(c.value(r))}</td>`;
                })
                .join('')}</tr>`,
          )
          .join('\n');
  return scrollBox(`<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px;">
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table>`);
}

export interface Bar {
  label: string;
  value: number;
  /** The value as the reader should see it, e.g. `$1,234.00`. */
  display: string;
  color?: string;
}

/**
 * A horizontal bar chart: one row per bar, the bar a coloured cell whose width is proportional to the value
 * (the largest is `width` px; negative values are drawn by magnitude in red). Renders in clients without CSS.
 */
export function barChart(title: string, bars: readonly Bar[], width = 320): string {
  if (bars.length === 0) return '';
  const max = Math.max(...bars.map((b) => Math.abs(b.value)), 0);
  const rows = bars
    .map((b) => {
      const px = max > 0 ? Math.max(1, Math.round((Math.abs(b.value) / max) * width)) : 1;
      const color = b.color ?? (b.value < 0 ? RED : BLUE);
      return `<tr>
<td style="padding:2px 8px 2px 0;font-size:12px;white-space:nowrap;">${esc(b.label)}</td>
<td style="padding:2px 0;"><table role="presentation" cellpadding="0" cellspacing="0"><tr><td width="${px}" height="12" bgcolor="${color}" style="width:${px}px;height:12px;background:${color};font-size:1px;line-height:1px;">&nbsp;</td></tr></table></td>
<td style="padding:2px 0 2px 8px;font-size:12px;text-align:right;white-space:nowrap;">${esc(b.display)}</td>
</tr>`;
    })
    .join('\n');
  return `<h3 style="font-size:14px;margin:16px 0 6px;">${esc(title)}</h3>
${scrollBox(`<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">
${rows}
</table>`)}`;
}

/** Label/value pairs, e.g. a report's totals. */
export function keyValues(
  pairs: readonly (readonly [string, string])[],
  align: 'left' | 'right' = 'right',
): string {
  return scrollBox(`<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px;">
${pairs.map(([k, v]) => `<tr><td style="padding:2px 16px 2px 0;font-weight:600;vertical-align:top;">${esc(k)}</td><td style="padding:2px 0;text-align:${align};vertical-align:top;overflow-wrap:break-word;">${esc(v)}</td></tr>`).join('\n')}
</table>`);
}

export function heading(text: string): string {
  return `<h2 style="font-size:16px;margin:24px 0 8px;overflow-wrap:break-word;">${esc(text)}</h2>`;
}

export function paragraph(text: string, color = INK): string {
  return `<p style="font-size:13px;color:${color};margin:8px 0;overflow-wrap:break-word;">${esc(text)}</p>`;
}

/** A whole HTML document: title, a one-line summary under it, the sections, and a footer. */
export function emailPage(
  title: string,
  summary: string,
  sections: readonly string[],
  footer: string,
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;color:${INK};">
<h1 style="font-size:20px;margin:0 0 4px;overflow-wrap:break-word;">${esc(title)}</h1>
${paragraph(summary, MUTED)}
${sections.filter((s) => s !== '').join('\n')}
<p style="font-size:11px;color:${MUTED};margin-top:24px;overflow-wrap:break-word;">${esc(footer)}</p>
</body></html>
`;
}
