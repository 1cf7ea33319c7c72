import type { QueryRunner } from '../ports/query-runner.ts';
import { formatMoney } from './money.ts';
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
  /** revenue − (allocated + estimated): what the requests cost. */
  margin: number;
  /** revenue − billed − estimated: the unallocated spend charged too. */
  margin_after_all_spend: number;
}

/** `report margin` as JSON (docs/contracts.md §9), exactly these keys in this order. */
export interface MarginReport {
  month: string;
  currency: 'USD';
  rows: MarginRow[];
  totals: MarginTotals;
  /**
   * What the reader must know before trusting the numbers: a provider with requests and no invoice (its cost is
   * an estimate), one with invoices and no request (its spend is all unallocated), no revenue, requests costed
   * at 0 (naming provider and model). Empty when there is nothing to say.
   */
  warnings: string[];
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
export const TOTAL_KEYS: readonly (keyof MarginTotals)[] = [
  'billed',
  'allocated',
  'unallocated',
  'estimated',
  'coverage',
  'revenue',
  'cost',
  'margin',
  'margin_after_all_spend',
];

/** A month the lake holds neither requests nor invoice lines for: there is no report to make (exit code 1). */
export class EmptyMonthError extends Error {
  override readonly name = 'EmptyMonthError';
}

/** What the month holds per provider (queries/reports/margin_coverage.sql). */
interface ProviderCoverage {
  provider: string;
  requests: number;
  first_day: string | null;
  last_day: string | null;
  without_input: number;
  estimated_input: number;
  invoice_lines: number;
  billed: number;
}

export interface MarginOptions {
  /** Throw `EmptyMonthError`, saying what the lake holds, for a month without requests and invoice lines. */
  refuseEmptyMonth?: boolean;
}

/**
 * The margin report of a month, from queries/reports/margin.sql and margin_totals.sql, then (only once those
 * succeeded) margin_coverage.sql for the warnings, and margin_unpriced.sql when requests were costed at 0.
 */
export async function marginReport(
  queries: QueryRunner,
  m: Month,
  options: MarginOptions = {},
): Promise<MarginReport & { unpricedRequests: number }> {
  const days = [m.from, m.to];
  const [rows, [totals]] = await Promise.all([
    queries.run('reports/margin.sql', [...days, ...days, ...days, ...days, m.month]),
    queries.run('reports/margin_totals.sql', [...days, ...days, ...days, m.month]),
  ]);
  const coverage = (await queries.run('reports/margin_coverage.sql', [m.from, m.to, m.from, m.to])).map(
    (r) =>
      ({
        provider: String(r.provider),
        requests: Number(r.requests ?? 0),
        first_day: r.first_day === null || r.first_day === undefined ? null : String(r.first_day),
        last_day: r.last_day === null || r.last_day === undefined ? null : String(r.last_day),
        without_input: Number(r.without_input ?? 0),
        estimated_input: Number(r.estimated_input ?? 0),
        invoice_lines: Number(r.invoice_lines ?? 0),
        billed: Number(r.billed ?? 0),
      }) satisfies ProviderCoverage,
  );
  const requests = coverage.reduce((n, c) => n + c.requests, 0);
  const invoiceLines = coverage.reduce((n, c) => n + c.invoice_lines, 0);
  if (options.refuseEmptyMonth && requests === 0 && invoiceLines === 0) {
    throw new EmptyMonthError(await emptyMonthMessage(queries, m));
  }
  const unpricedRequests = Number(totals?.unpriced_requests ?? 0);
  const unpriced =
    unpricedRequests > 0 ? await queries.run('reports/margin_unpriced.sql', [m.from, m.to]) : [];
  const picked = pick(totals ?? {}, TOTAL_KEYS) as unknown as MarginTotals;
  return {
    month: m.month,
    currency: 'USD',
    rows: rows.map((r) => pick(r, ROW_KEYS) as unknown as MarginRow),
    totals: picked,
    warnings: [
      ...coverageWarnings(m.month, coverage),
      ...(requests > 0 && Number(picked.revenue) === 0
        ? [`no revenue for ${m.month} (ingest revenue): every margin is minus its cost`]
        : []),
      ...unpriced.map((u) => unpricedNote(String(u.provider), String(u.model), Number(u.requests))),
    ],
    unpricedRequests,
  };
}

/** The note for requests costed at 0: names the provider and the model (as the requests name it). */
export function unpricedNote(provider: string, model: string, requests: number): string {
  return `${requests} ${requests === 1 ? 'request' : 'requests'} of ${provider} model ${model} had no invoice line and no price: costed at 0 (add its price with ingest prices, or import the invoice that bills it)`;
}

const days = (first: string | null, last: string | null) =>
  first === last ? `on ${first}` : `from ${first} to ${last}`;

function coverageWarnings(month: string, coverage: readonly ProviderCoverage[]): string[] {
  const warnings: string[] = [];
  for (const c of coverage) {
    if (c.requests > 0 && c.invoice_lines === 0) {
      warnings.push(
        `${c.provider}: ${c.requests} requests ${days(c.first_day, c.last_day)} but no invoice line in ${month}: their cost is estimated from the price book, not reconciled (ingest invoice with the ${c.provider} export of ${month})`,
      );
    }
    if (c.without_input > 0) {
      const n = c.without_input;
      warnings.push(
        `${c.provider}: ${n} ${n === 1 ? 'request' : 'requests'} recorded output but 0 input tokens (a stream that ended before the provider reported its usage): their input is not costed (give meterStream your own count or estimateTokens as inputTokens)`,
      );
    }
    if (c.estimated_input > 0) {
      warnings.push(
        `${c.provider}: ${c.estimated_input} ${c.estimated_input === 1 ? 'request carries' : 'requests carry'} input tokens the app estimated (tag input_tokens=estimated): their input cost is an estimate`,
      );
    }
    if (c.requests === 0 && c.invoice_lines > 0) {
      warnings.push(
        `${c.provider}: invoices bill $${formatMoney(c.billed)} in ${month} (${c.invoice_lines} lines) but no request was recorded: all of it is unallocated (are the ${c.provider} calls metered, and their events ingested?)`,
      );
    }
  }
  return warnings;
}

/** Requests are searched this many months either side of the report month for the empty month's message. */
const EXTENT_MONTHS = 36;

function shiftMonths(day: string, months: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)).toISOString().slice(0, 10);
}

/**
 * "no requests and no invoice lines in 2026-10, so there is no margin to report; the lake holds: events cover
 * 2026-11-01 … 2026-11-30; …" — `lacking` says what the month lacks and why that leaves no report.
 */
export async function emptyMonthMessage(
  queries: QueryRunner,
  m: Month,
  lacking = `no requests and no invoice lines in ${m.month}, so there is no margin to report`,
): Promise<string> {
  const [extent = {}] = await queries.run('reports/lake_extent.sql', [
    shiftMonths(m.from, -EXTENT_MONTHS),
    shiftMonths(m.to, EXTENT_MONTHS),
  ]);
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v).slice(0, 10));
  const holds: string[] = [];
  if (Number(extent.requests ?? 0) > 0) {
    holds.push(`events cover ${text(extent.first_day)} … ${text(extent.last_day)}`);
  } else {
    holds.push(`no events within ${EXTENT_MONTHS / 12} years of ${m.month}`);
  }
  if (Number(extent.invoice_lines ?? 0) > 0) {
    holds.push(`invoice periods start ${text(extent.first_invoice)} … ${text(extent.last_invoice)}`);
  } else holds.push('no invoices');
  if (extent.first_revenue_month !== null && extent.first_revenue_month !== undefined) {
    holds.push(`revenue covers ${extent.first_revenue_month} … ${extent.last_revenue_month}`);
  }
  return `${lacking}; the lake holds: ${holds.join('; ')}`;
}

function pick(row: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, row[k] === undefined ? null : row[k]]));
}

/** The report as docs/contracts.md §9's JSON (without the extra fields the CLI prints). */
export function marginJson(report: MarginReport): MarginReport {
  return {
    month: report.month,
    currency: report.currency,
    rows: report.rows,
    totals: report.totals,
    warnings: report.warnings,
  };
}

export const MARGIN_CSV_HEADER: readonly string[] = ROW_KEYS;
