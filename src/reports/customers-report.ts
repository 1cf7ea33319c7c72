import type { QueryRunner } from '../ports/query-runner.ts';
import type { Month } from './month.ts';

/** One row of the customers report (docs/contracts.md §7, §9): money in USD, ratios null where the denominator is 0. */
export interface CustomerRow {
  /** Null: the requests without a customer, as one row. */
  customer_id: string | null;
  /** The revenue row's cohort, else that of the customer's latest request in the month; null for the null row. */
  cohort: string | null;
  requests: number;
  cost: number;
  revenue: number;
  margin: number;
  margin_pct: number | null;
  /** cost ÷ the month's cost of all requests (with or without a customer). */
  cost_share: number | null;
}

/** How concentrated the month's cost is, over the customers (not null) with requests. */
export interface Concentration {
  customers: number;
  /** The summed cost_share of the ceil(1 %) costliest of them; null without customers or without cost. */
  top_1pct_cost_share: number | null;
  /** The same for the ceil(10 %) costliest. */
  top_10pct_cost_share: number | null;
}

/** `report customers` as JSON (docs/contracts.md §9), exactly these keys in this order. */
export interface CustomersReport {
  month: string;
  currency: 'USD';
  /** Costliest first; ties by customer id, the null row last among equals. */
  rows: CustomerRow[];
  concentration: Concentration;
}

export const CUSTOMER_ROW_KEYS: readonly (keyof CustomerRow)[] = [
  'customer_id',
  'cohort',
  'requests',
  'cost',
  'revenue',
  'margin',
  'margin_pct',
  'cost_share',
];

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const amount = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The customers report of a month, from queries/reports/customers.sql (the daily rollups). */
export async function customersReport(queries: QueryRunner, m: Month): Promise<CustomersReport> {
  const days = [m.from, m.to];
  const rows = (await queries.run('reports/customers.sql', [...days, ...days, m.month])).map(
    (r): CustomerRow => ({
      customer_id: text(r.customer_id),
      cohort: text(r.cohort),
      requests: amount(r.requests) ?? 0,
      cost: amount(r.cost) ?? 0,
      revenue: amount(r.revenue) ?? 0,
      margin: amount(r.margin) ?? 0,
      margin_pct: amount(r.margin_pct),
      cost_share: amount(r.cost_share),
    }),
  );
  return { month: m.month, currency: 'USD', rows, concentration: concentration(rows) };
}

/**
 * The concentration figures (docs/contracts.md §7): over the customers (not null) with requests, their count and
 * the summed cost share of the ceil(1 %) and ceil(10 %) costliest of them.
 */
export function concentration(rows: readonly CustomerRow[]): Concentration {
  const costed = rows.filter((r) => r.customer_id !== null && r.requests > 0).sort((a, b) => b.cost - a.cost);
  const top = (share: number) => {
    if (costed.length === 0 || costed.some((r) => r.cost_share === null)) return null;
    const n = Math.ceil((costed.length * share) / 100);
    return costed.slice(0, n).reduce((s, r) => s + (r.cost_share as number), 0);
  };
  return { customers: costed.length, top_1pct_cost_share: top(1), top_10pct_cost_share: top(10) };
}

/** The customers to act on: negative margin (revenue below cost), worst first. */
export function negativeMarginCustomers(report: CustomersReport): CustomerRow[] {
  return report.rows
    .filter((r) => r.customer_id !== null && r.margin < 0)
    .sort((a, b) => a.margin - b.margin);
}
