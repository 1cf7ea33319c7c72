import type { QueryRunner } from '../ports/query-runner.ts';
import type { Month } from './month.ts';

/** One row of the margin report (docs/contracts.md §7, §9): money in USD, ratios null where the denominator is zero. */
export interface MarginRow {
  cohort: string;
  feature: string;
  requests: number;
  active_users: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  cost: number;
  revenue: number;
  margin: number;
  margin_pct: number | null;
  cost_per_request: number | null;
  cost_per_user: number | null;
}

export interface MarginTotals {
  billed: number;
  allocated: number;
  unallocated: number;
  estimated: number;
  coverage: number | null;
  revenue: number;
  cost: number;
  margin: number;
}

/** `report margin` as JSON (docs/contracts.md §9), exactly these keys. */
export interface MarginReport {
  month: string;
  currency: 'USD';
  rows: MarginRow[];
  totals: MarginTotals;
}

const ROW_KEYS: readonly (keyof MarginRow)[] = [
  'cohort',
  'feature',
  'requests',
  'active_users',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
  'cost',
  'revenue',
  'margin',
  'margin_pct',
  'cost_per_request',
  'cost_per_user',
];
const TOTAL_KEYS: readonly (keyof MarginTotals)[] = [
  'billed',
  'allocated',
  'unallocated',
  'estimated',
  'coverage',
  'revenue',
  'cost',
  'margin',
];

/** The margin report of a month, from queries/reports/margin.sql and margin_totals.sql. */
export async function marginReport(
  queries: QueryRunner,
  m: Month,
): Promise<MarginReport & { unpricedRequests: number }> {
  const params = [m.from, m.to, m.from, m.to, m.month];
  const [rows, [totals]] = await Promise.all([
    queries.run('reports/margin.sql', params),
    queries.run('reports/margin_totals.sql', params),
  ]);
  return {
    month: m.month,
    currency: 'USD',
    rows: rows.map((r) => pick(r, ROW_KEYS) as unknown as MarginRow),
    totals: pick(totals ?? {}, TOTAL_KEYS) as unknown as MarginTotals,
    unpricedRequests: Number(totals?.unpriced_requests ?? 0),
  };
}

function pick(row: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, row[k] === undefined ? null : row[k]]));
}

/** The report as docs/contracts.md §9's JSON (without the extra fields the CLI prints). */
export function marginJson(report: MarginReport): MarginReport {
  return { month: report.month, currency: report.currency, rows: report.rows, totals: report.totals };
}

export const MARGIN_CSV_HEADER: readonly string[] = ROW_KEYS;
