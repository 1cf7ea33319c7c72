import { LABEL_PATTERN, quote } from '@tokenledger/client/contract';
import { decimal, parseCsv, required } from '../csv-rows.ts';
import { DataFileError } from '../data-file-error.ts';
import { DOUBLE, STRING, type TableColumn, TIMESTAMP } from '../lake/table-column.ts';

/** Revenue of one customer in one month (docs/contracts.md §5). */
export interface RevenueRow {
  /** `YYYY-MM`. */
  month: string;
  customer_id: string;
  /** Normalised like an event's cohort. */
  cohort: string;
  amount: number;
  currency: string;
  source_file: string;
  ingested_at: number;
}

/** The `revenue` table; `revenue_effective` keeps, for each month, the rows of the latest import that has it. */
export const REVENUE_COLUMNS: readonly TableColumn[] = [
  { name: 'month', ...STRING, nullable: false, comment: 'YYYY-MM' },
  { name: 'customer_id', ...STRING, nullable: false, comment: 'as in events' },
  { name: 'cohort', ...STRING, nullable: false, comment: 'pricing tier the revenue belongs to' },
  { name: 'amount', ...DOUBLE, nullable: false, comment: 'in currency' },
  { name: 'currency', ...STRING, nullable: false, comment: 'ISO 4217' },
  { name: 'source_file', ...STRING, nullable: false, comment: 'the imported file' },
  { name: 'ingested_at', ...TIMESTAMP, nullable: false, comment: 'a later import restates its months' },
];

/** A revenue CSV: `month,customer_id,cohort,amount,currency`. Refused whole on the first bad line. */
export function parseRevenue(text: string, file: string, ingestedAt: number): RevenueRow[] {
  return parseCsv(text, file, ['month', 'customer_id', 'cohort', 'amount', 'currency']).map(
    ({ line, row }) => {
      const at = `line ${line}`;
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(row.month ?? '')) {
        throw new DataFileError(file, at, 'month', `${quote(row.month ?? '')} is not YYYY-MM`);
      }
      const cohort = (row.cohort ?? '').trim().toLowerCase();
      if (!LABEL_PATTERN.test(cohort)) {
        throw new DataFileError(
          file,
          at,
          'cohort',
          `${quote(row.cohort ?? '')} does not match ${LABEL_PATTERN}`,
        );
      }
      const currency = (row.currency ?? '').toUpperCase();
      if (currency !== 'USD') {
        throw new DataFileError(
          file,
          at,
          'currency',
          `${quote(row.currency ?? '')}: only USD is supported (reports are in USD)`,
        );
      }
      return {
        month: row.month as string,
        customer_id: required(file, at, 'customer_id', row.customer_id),
        cohort,
        amount: decimal(file, at, 'amount', row.amount),
        currency,
        source_file: file,
        ingested_at: ingestedAt,
      };
    },
  );
}
