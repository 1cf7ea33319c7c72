const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money4 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Money as a finance reader expects it: 2 decimals, thousands separated, negatives in parentheses. */
export function formatMoney(value: number | null, digits: 2 | 4 = 2): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const text = (digits === 4 ? money4 : money2).format(Math.abs(value));
  const zero = Number(text.replaceAll(',', '')) === 0;
  return value < 0 && !zero ? `(${text})` : text;
}

export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const text = `${(Math.abs(value) * 100).toFixed(1)}%`;
  return value < 0 ? `(${text})` : text;
}

export function formatWhole(value: number | null): string {
  return value === null ? '—' : whole.format(value);
}

/**
 * Money in a CSV cell for a spreadsheet: a plain number (no separators, a minus sign), rounded to `digits`
 * decimals (cents by default); empty when there is none. JSON keeps full precision.
 */
export function csvMoney(value: number | null, digits: 2 | 4 = 2): string {
  if (value === null || !Number.isFinite(value)) return '';
  // Rounded as the table rounds it (Intl: 1.005 → 1.01; toFixed would give 1.00), without separators.
  const text = (digits === 2 ? plainCents : plain4).format(value);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

const plainCents = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  useGrouping: false,
});
const plain4 = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 4,
  maximumFractionDigits: 4,
  useGrouping: false,
});

/**
 * A ratio as a percentage in a CSV cell, rounded as `formatPercent` rounds it in the table (one decimal of a
 * percent), written `-12.3%` rather than `(12.3%)` so that spreadsheets read it as a number.
 */
export function csvPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '';
  const text = (value * 100).toFixed(1);
  return `${Number(text) === 0 ? '0.0' : text}%`;
}
