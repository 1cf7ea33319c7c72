import type { QueryRunner } from '../ports/query-runner.ts';
import { type AlertThresholds, DEFAULT_ALERT_THRESHOLDS } from './alert-settings.ts';
import { nextDay } from './report-period.ts';
import { runsReport } from './runs-report.ts';

/** What a spend alert is about: a customer's or a feature's day, or a runaway run that started that day. */
export type AlertKind = 'customer' | 'feature' | 'runaway';

/** One flagged thing (docs/contracts.md §7). Money in USD. */
export interface AlertFinding {
  kind: AlertKind;
  /** The customer id, the feature, or the run's trace id. */
  subject: string;
  /** `critical` when `critical_cost` or more is at stake (paged through SNS), else `warning`. */
  severity: 'critical' | 'warning';
  /** The day's cost; a runaway's cost (its requests in the 8 days read). */
  cost: number;
  /** The trailing 7-day median daily cost; for a runaway, its feature's median cost per run. */
  baseline: number;
  /** cost ÷ baseline; null when the baseline is 0. */
  ratio: number | null;
  /** Runaways only: the run's feature, requests, models and first and last request (ISO-8601 UTC). */
  run?: { feature: string; requests: number; models: string[]; first_ts: string; last_ts: string };
}

/** `report alerts --day D` as JSON. */
export interface AlertsReport {
  day: string;
  thresholds: AlertThresholds;
  /** Critical first, then by the money at stake. */
  findings: AlertFinding[];
  summary: { critical: number; warning: number; customers: number; features: number; runs: number };
}

/** The trailing window: the 7 days before the alert day. */
export const TRAILING_DAYS = 7;

/** The median of the 7 trailing days' costs (a day without requests costs 0): the 4th smallest. */
export function trailingMedian(costs: readonly number[]): number {
  const sorted = [...costs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Whether a day's cost is a spike (docs/contracts.md §7): above `factor` × the trailing median, and at least
 * `min_cost`.
 */
export function isSpike(cost: number, median: number, t: AlertThresholds): boolean {
  return cost > t.factor * median && cost >= t.min_cost;
}

interface DailyCost {
  subject: string;
  dt: string;
  cost: number;
}

/** The spikes among `rows` (subject × day costs over the 8 days), and how many subjects had a cost on the day. */
function spikes(
  kind: 'customer' | 'feature',
  rows: readonly DailyCost[],
  day: string,
  t: AlertThresholds,
): { findings: AlertFinding[]; checked: number } {
  const trailing = Array.from({ length: TRAILING_DAYS }, (_, i) => nextDay(day, i - TRAILING_DAYS));
  const bySubject = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const days = bySubject.get(r.subject) ?? new Map<string, number>();
    days.set(r.dt, (days.get(r.dt) ?? 0) + r.cost);
    bySubject.set(r.subject, days);
  }
  const findings: AlertFinding[] = [];
  let checked = 0;
  for (const [subject, days] of bySubject) {
    const cost = days.get(day);
    if (cost === undefined) continue;
    checked++;
    const median = trailingMedian(trailing.map((d) => days.get(d) ?? 0));
    if (!isSpike(cost, median, t)) continue;
    findings.push({
      kind,
      subject,
      severity: cost - median >= t.critical_cost ? 'critical' : 'warning',
      cost,
      baseline: median,
      ratio: median === 0 ? null : cost / median,
    });
  }
  return { findings, checked };
}

const daily = (rows: Record<string, unknown>[], key: string): DailyCost[] =>
  rows.map((r) => ({ subject: String(r[key]), dt: String(r.dt), cost: Number(r.cost ?? 0) }));

/** The money a finding puts at stake: a spike's cost above its median, a runaway's cost. */
export const atStake = (f: AlertFinding) => (f.kind === 'runaway' ? f.cost : f.cost - f.baseline);

/**
 * The spend alerts of `day` (UTC): customers and features whose cost that day is a spike against their 7 days
 * before, and the runaway runs that started that day (runs and medians over the 8 days, as `report runs` with the
 * runaway factor), each at least `min_cost`. From queries/reports/alerts_customers.sql, alerts_features.sql and
 * the runs report's queries (the daily rollups).
 */
export async function alertsReport(
  queries: QueryRunner,
  day: string,
  thresholds: Partial<AlertThresholds> = {},
): Promise<AlertsReport> {
  const t: AlertThresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...thresholds };
  const from = nextDay(day, -TRAILING_DAYS);
  const to = nextDay(day);
  const [customerRows, featureRows, runs] = await Promise.all([
    queries.run('reports/alerts_customers.sql', [from, to]),
    queries.run('reports/alerts_features.sql', [from, to]),
    runsReport(queries, from, to, t.runaway_factor),
  ]);
  const customers = spikes('customer', daily(customerRows, 'customer_id'), day, t);
  const features = spikes('feature', daily(featureRows, 'feature'), day, t);
  const medians = new Map(runs.rows.map((r) => [r.feature, r.cost_per_run_p50]));
  const runaways: AlertFinding[] = runs.runaways
    .filter((r) => r.first_ts.slice(0, 10) === day && r.cost >= t.min_cost)
    .map((r) => {
      const median = medians.get(r.feature) ?? 0;
      return {
        kind: 'runaway',
        subject: r.trace_id,
        severity: r.cost >= t.critical_cost ? 'critical' : 'warning',
        cost: r.cost,
        baseline: median,
        ratio: median === 0 ? null : r.cost / median,
        run: {
          feature: r.feature,
          requests: r.requests,
          models: r.models,
          first_ts: r.first_ts,
          last_ts: r.last_ts,
        },
      };
    });
  const findings = [...customers.findings, ...features.findings, ...runaways].sort(
    (a, b) =>
      (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) ||
      atStake(b) - atStake(a) ||
      a.subject.localeCompare(b.subject),
  );
  return {
    day,
    thresholds: t,
    findings,
    summary: {
      critical: findings.filter((f) => f.severity === 'critical').length,
      warning: findings.filter((f) => f.severity === 'warning').length,
      customers: customers.checked,
      features: features.checked,
      runs: runs.rows.reduce((n, r) => n + r.runs, 0),
    },
  };
}
