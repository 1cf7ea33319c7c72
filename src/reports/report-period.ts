import { type Month, parseMonth } from './month.ts';

/** The reports a scheduled job sends (one job each in the CDK app). */
export const REPORT_KINDS = ['governance', 'waste', 'margin', 'alerts'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
/**
 * Every report the CLI writes: the scheduled ones, and the customers and runs reports (made on demand; the margin
 * email carries the customers report as a section).
 */
export type DocumentKind = ReportKind | 'customers' | 'runs';

/**
 * The stretch of time a report covers: a month for margin, a range of UTC days (`to` exclusive) for waste and
 * governance. `label` names its folder (`reports/<kind>/<label>/`) and, with the kind, its report id.
 */
export interface ReportPeriod {
  /** `YYYY-MM` for a month, `<from>_<to>` for a range of days. */
  label: string;
  /** First day, `YYYY-MM-DD`. */
  from: string;
  /** The day after the last, `YYYY-MM-DD`. */
  to: string;
  /** Set for a month. */
  month?: Month;
}

const DAY_MS = 86_400_000;
/** The UTC day `YYYY-MM-DD` of an instant (epoch ms). */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A calendar day `YYYY-MM-DD`, as milliseconds at its UTC midnight; null when it is not one. */
export function parseDay(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || utcDay(ms) !== value ? null : ms;
}

export function dayRange(from: string, to: string): ReportPeriod {
  return { label: `${from}_${to}`, from, to };
}

/** The calendar day after `day` (`YYYY-MM-DD`); `days` after it, or before it when negative. */
export function nextDay(day: string, days = 1): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

/** Each day of a period, `YYYY-MM-DD`, in order. */
export function daysOf(period: Pick<ReportPeriod, 'from' | 'to'>): string[] {
  const days: string[] = [];
  const end = Date.parse(`${period.to}T00:00:00Z`);
  for (let t = Date.parse(`${period.from}T00:00:00Z`); t < end; t += DAY_MS) days.push(utcDay(t));
  return days;
}

/**
 * The days whose rollups a report of `period` reads: the whole months the period touches, as an invoice's
 * charge period (a day, or a month) can start before the report's first day and end after its last, and the
 * allocation's telemetry is the whole charge period's.
 */
export function rollupDaysOf(period: Pick<ReportPeriod, 'from' | 'to'>): string[] {
  const first = `${period.from.slice(0, 7)}-01`;
  const last = daysOf(period).at(-1) ?? period.from;
  const end = new Date(`${last.slice(0, 7)}-01T00:00:00Z`);
  end.setUTCMonth(end.getUTCMonth() + 1);
  return daysOf({ from: first, to: utcDay(end.getTime()) });
}

export function monthPeriod(month: Month): ReportPeriod {
  return { label: month.month, from: month.from, to: month.to, month };
}

/** The report id: one email per id (`governance-2026-11-26_2026-11-27`, `margin-2026-10`). */
export function reportId(kind: DocumentKind, period: ReportPeriod): string {
  return `${kind}-${period.label}`;
}

/**
 * The period a scheduled job reports on: `requested` (`YYYY-MM` for margin, `YYYY-MM-DD` — one day — for the
 * others) or, without one, the last complete period before `now`: yesterday (UTC) or last month. Throws a
 * message naming the value when it is not one.
 */
export function jobPeriod(kind: ReportKind, requested: string | undefined, now: Date): ReportPeriod {
  if (kind === 'margin') {
    const value =
      requested ??
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const month = parseMonth(value);
    if (!month)
      throw new Error(`period ${JSON.stringify(value)} is not a month YYYY-MM (margin reports a month)`);
    return monthPeriod(month);
  }
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const value = requested ?? utcDay(today - DAY_MS);
  const ms = parseDay(value);
  if (ms === null)
    throw new Error(`period ${JSON.stringify(value)} is not a day YYYY-MM-DD (${kind} reports a day)`);
  return dayRange(value, utcDay(ms + DAY_MS));
}

/** `2026-11-26` for one day, `2026-11-01 to 2026-11-30` for several: the last day inclusive, as people say it. */
export function periodText(from: string, to: string): string {
  const last = utcDay(Date.parse(`${to}T00:00:00Z`) - DAY_MS);
  return last === from ? from : `${from} to ${last}`;
}
