import { quote } from '@tokenledger/client/contract';
import { decimal, parseCsv, required, utcDate } from '../csv-rows.ts';
import { DataFileError } from '../data-file-error.ts';
import { DOUBLE, STRING, type TableColumn, TIMESTAMP } from '../lake/table-column.ts';

const USAGE = ['input', 'cache_read', 'cache_write', 'output'] as const;

/** One price (docs/contracts.md §5): USD per million tokens of a usage type, effective from one date to another. */
export interface PriceRow {
  provider: string;
  model: string;
  usage_type: (typeof USAGE)[number];
  usd_per_million_tokens: number;
  /** Inclusive, epoch ms (a UTC date). */
  effective_from: number;
  /** Exclusive, epoch ms; null: still in effect. */
  effective_to: number | null;
  source: string;
  ingested_at: number;
}

/** The `prices` table: the default price book and every imported one; `price_book` picks the rows in force. */
export const PRICE_COLUMNS: readonly TableColumn[] = [
  { name: 'provider', ...STRING, nullable: false, comment: 'as in events' },
  { name: 'model', ...STRING, nullable: false, comment: 'as in events' },
  { name: 'usage_type', ...STRING, nullable: false, comment: 'input, cache_read, cache_write or output' },
  { name: 'usd_per_million_tokens', ...DOUBLE, nullable: false, comment: 'list price' },
  { name: 'effective_from', ...TIMESTAMP, nullable: false, comment: 'inclusive, UTC date' },
  { name: 'effective_to', ...TIMESTAMP, nullable: true, comment: 'exclusive, UTC date; null: open' },
  { name: 'source', ...STRING, nullable: false, comment: "'default' or the imported file" },
  { name: 'ingested_at', ...TIMESTAMP, nullable: false, comment: 'later imports override earlier ones' },
];

/**
 * A price book CSV: `provider,model,usage_type,usd_per_million_tokens,effective_from[,effective_to]`, dates
 * `YYYY-MM-DD` (UTC, from inclusive, to exclusive). Lines starting with `#` are comments. Refused whole on the
 * first bad line, naming it and the field.
 */
export function parsePriceBook(text: string, file: string, ingestedAt: number): PriceRow[] {
  const records = parseCsv(text, file, [
    'provider',
    'model',
    'usage_type',
    'usd_per_million_tokens',
    'effective_from',
  ]);
  return records.map(({ line, row }) => {
    const at = `line ${line}`;
    const usage = row.usage_type as PriceRow['usage_type'];
    if (!USAGE.includes(usage)) {
      throw new DataFileError(
        file,
        at,
        'usage_type',
        `${quote(row.usage_type)} is not one of ${USAGE.join(', ')}`,
      );
    }
    const price = decimal(file, at, 'usd_per_million_tokens', row.usd_per_million_tokens);
    if (price < 0) throw new DataFileError(file, at, 'usd_per_million_tokens', `${price} is negative`);
    const from = utcDate(file, at, 'effective_from', row.effective_from);
    const to = row.effective_to ? utcDate(file, at, 'effective_to', row.effective_to) : null;
    if (to !== null && to <= from) {
      throw new DataFileError(
        file,
        at,
        'effective_to',
        `${quote(row.effective_to)} is not after effective_from ${quote(row.effective_from)}`,
      );
    }
    return {
      provider: required(file, at, 'provider', row.provider),
      model: required(file, at, 'model', row.model),
      usage_type: usage,
      usd_per_million_tokens: price,
      effective_from: from,
      effective_to: to,
      source: file,
      ingested_at: ingestedAt,
    };
  });
}
