export interface Column<R> {
  label: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
}

/** Rows as an aligned text table with a header rule, for reading in a terminal. */
export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]?.align === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.label)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join(
    '\n',
  );
}

/**
 * Values as CSV (RFC 4180): quoted when they hold a comma, quote or line break. Every CSV the project writes goes
 * through here, and finance opens them in spreadsheets: a text cell that starts with `=`, `+`, `-`, `@`, a tab or
 * a carriage return (a formula to a spreadsheet: `=HYPERLINK(…)` in a prompt id, a model or a customer id) gets a
 * leading `'`, as OWASP recommends; numbers, and text that is a plain number (`-12.50`, `-3.1%`), stay as they are.
 */
export function renderCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const safe = typeof v === 'number' || !FORMULA_START.test(s) || PLAIN_NUMBER.test(s) ? s : `'${s}`;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$/;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A whole number with thousands separators; big integers arrive from DuckDB as strings. */
export function formatCount(value: unknown): string {
  if (value === null || value === undefined) return '';
  const n = typeof value === 'string' ? Number(value) : (value as number);
  return Number.isFinite(n) ? integer.format(n) : String(value);
}
