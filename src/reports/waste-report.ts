import type { QueryRunner } from '../ports/query-runner.ts';

/** One row of the cancellation waste report (docs/contracts.md §7, §9). */
export interface WasteRow {
  feature: string;
  provider: string;
  model: string;
  requests: number;
  cancelled_requests: number;
  wasted_output_tokens: number;
  wasted_cost: number;
  waste_share: number | null;
  propagation_ratio: number | null;
}

/** `report waste` as JSON (docs/contracts.md §9), exactly these keys. */
export interface WasteReport {
  from: string;
  to: string;
  rows: WasteRow[];
  totals: { wasted_cost: number; wasted_output_tokens: number };
}

const ROW_KEYS: readonly (keyof WasteRow)[] = [
  'feature',
  'provider',
  'model',
  'requests',
  'cancelled_requests',
  'wasted_output_tokens',
  'wasted_cost',
  'waste_share',
  'propagation_ratio',
];
export const WASTE_CSV_HEADER: readonly string[] = ROW_KEYS;

/** The waste report over [from, to) (dates `YYYY-MM-DD`, UTC), from queries/reports/waste.sql. */
export async function wasteReport(queries: QueryRunner, from: string, to: string): Promise<WasteReport> {
  const rows = (await queries.run('reports/waste.sql', [from, to])).map(
    (r) => Object.fromEntries(ROW_KEYS.map((k) => [k, r[k] ?? null])) as unknown as WasteRow,
  );
  return {
    from,
    to,
    rows,
    totals: {
      wasted_cost: rows.reduce((s, r) => s + r.wasted_cost, 0),
      wasted_output_tokens: rows.reduce((s, r) => s + r.wasted_output_tokens, 0),
    },
  };
}

/** A stop that does not reach the provider: most of the cancelled requests' output was never delivered. */
export const NOT_PROPAGATED_RATIO = 0.8;
/** Fewer cancelled requests than this say nothing about propagation. */
export const MIN_CANCELLED = 10;

/**
 * The rows whose cancellations are not reaching the provider (propagation ratio at or above 0.8, over at least
 * 10 cancelled requests), with their waste scaled to 30 days: where wiring the stop button through pays.
 */
export function unpropagated(report: WasteReport): { row: WasteRow; monthlyWaste: number }[] {
  const days = Math.max(1, (Date.parse(report.to) - Date.parse(report.from)) / 86_400_000);
  return report.rows
    .filter(
      (r) => r.cancelled_requests >= MIN_CANCELLED && (r.propagation_ratio ?? 0) >= NOT_PROPAGATED_RATIO,
    )
    .map((row) => ({ row, monthlyWaste: (row.wasted_cost * 30) / days }));
}
