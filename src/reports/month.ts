/** A report month `YYYY-MM` and the bounds its queries filter on. */
export interface Month {
  month: string;
  /** First day, `YYYY-MM-DD` (also the first instant, for timestamp bounds). */
  from: string;
  /** First day of the next month, exclusive. */
  to: string;
}

export function parseMonth(value: string): Month | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (!m) return null;
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1)).toISOString().slice(0, 10);
  return { month: value, from: `${value}-01`, to: next };
}
