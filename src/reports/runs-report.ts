import { engineInstant, type QueryRunner } from '../ports/query-runner.ts';

/** One feature's runs (docs/contracts.md §7, §9): money in USD, percentiles nearest-rank. */
export interface RunRow {
  feature: string;
  runs: number;
  requests_per_run_p50: number;
  requests_per_run_p95: number;
  cost_per_run_p50: number;
  cost_per_run_p95: number;
  cost_per_run_max: number;
  /** Runs whose requests used more than one model. */
  escalated_runs: number;
  /** Cost of escalated runs' requests on a model other than their first request's ÷ the cost of all runs. */
  escalation_cost_share: number | null;
}

/** A run whose cost is at least the runaway factor × its feature's cost_per_run p50. */
export interface Runaway {
  trace_id: string;
  feature: string;
  requests: number;
  cost: number;
  /** The models its requests used, by name. */
  models: string[];
  /** ISO-8601 UTC: its first and last request start in the range. */
  first_ts: string;
  last_ts: string;
}

/** `report runs` as JSON (docs/contracts.md §9), exactly these keys in this order. */
export interface RunsReport {
  from: string;
  to: string;
  /** One per feature, by name. */
  rows: RunRow[];
  /** Costliest first. */
  runaways: Runaway[];
}

/** How many runs of a feature cost what: the cost bands of the report's distribution chart. */
export interface RunCostBands {
  feature: string;
  /** Runs per band: below RUN_COST_EDGES[0], between consecutive edges, and at or above the last. */
  runs: number[];
}

/** The edges (USD) of the cost-per-run bands, as queries/reports/runs.sql counts them (runs_cost_bin_0 … _11). */
export const RUN_COST_EDGES: readonly number[] = [
  0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10,
];

/** `--runaway-factor` unless given (docs/contracts.md §7). */
export const DEFAULT_RUNAWAY_FACTOR = 10;

export const RUN_ROW_KEYS: readonly (keyof RunRow)[] = [
  'feature',
  'runs',
  'requests_per_run_p50',
  'requests_per_run_p95',
  'cost_per_run_p50',
  'cost_per_run_p95',
  'cost_per_run_max',
  'escalated_runs',
  'escalation_cost_share',
];

const iso = (v: unknown) => new Date(engineInstant(v)).toISOString();
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The runs report over [from, to) (UTC days), from queries/reports/runs.sql (the daily rollups, one pass for the
 * features and their runaways), with the cost bands of each feature's runs for the HTML chart.
 */
export async function runsReport(
  queries: QueryRunner,
  from: string,
  to: string,
  runawayFactor = DEFAULT_RUNAWAY_FACTOR,
): Promise<RunsReport & { bands: RunCostBands[] }> {
  const days = [from, to];
  const rows = await queries.run('reports/runs.sql', [...days, String(runawayFactor)]);
  // One row per feature, repeated once per runaway run and model of the feature (runaway_* columns).
  const features = [...new Map(rows.map((r) => [String(r.feature), r])).values()];
  return {
    from,
    to,
    rows: features.map(
      (r) =>
        Object.fromEntries(
          RUN_ROW_KEYS.map((k) => [k, k === 'feature' ? String(r[k]) : num(r[k])]),
        ) as unknown as RunRow,
    ),
    runaways: groupRunaways(
      rows.filter((r) => r.runaway_trace_id !== null && r.runaway_trace_id !== undefined),
    ),
    bands: features.map((r) => ({
      feature: String(r.feature),
      runs: Array.from({ length: RUN_COST_EDGES.length + 1 }, (_, i) => Number(r[`runs_cost_bin_${i}`] ?? 0)),
    })),
  };
}

/** The runaway rows of reports/runs.sql (one per run and model) as one entry per run, costliest first. */
function groupRunaways(rows: readonly Record<string, unknown>[]): Runaway[] {
  const runs = new Map<string, Runaway>();
  for (const r of rows) {
    const id = String(r.runaway_trace_id);
    const run = runs.get(id) ?? {
      trace_id: id,
      feature: String(r.feature),
      requests: Number(r.runaway_requests),
      cost: Number(r.runaway_cost),
      models: [],
      first_ts: iso(r.runaway_first_ts),
      last_ts: iso(r.runaway_last_ts),
    };
    run.models.push(String(r.runaway_model));
    runs.set(id, run);
  }
  for (const run of runs.values()) run.models.sort();
  return [...runs.values()].sort((a, b) => b.cost - a.cost || a.trace_id.localeCompare(b.trace_id));
}
