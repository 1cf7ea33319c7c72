import { utcDay } from '../reports/report-period.ts';

/**
 * The rollup job's lookback window (docs/rollups.md): how many days, ending the day before the scheduled time
 * (UTC), each scheduled run considers. Its default and bounds are shared by the handler's environment
 * (ROLLUP_LOOKBACK_DAYS) and the CDK context (`rollupLookbackDays`).
 */
export const DEFAULT_LOOKBACK_DAYS = 7;
export const MIN_LOOKBACK_DAYS = 1;
export const MAX_LOOKBACK_DAYS = 400;

const DAY_MS = 86_400_000;

/** The `count` days before the UTC day of `now`, oldest first: the window ends yesterday. */
export function lookbackWindow(now: Date, count: number): string[] {
  const today = Date.parse(`${utcDay(now.getTime())}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => utcDay(today - (count - i) * DAY_MS));
}
