import { readFileSync } from 'node:fs';
import { DEFAULT_PRICE_BOOK_FILE } from '../../assets.ts';
import { type PriceRow, parsePriceBook } from '../../core/prices/price-book.ts';

let cached: PriceRow[] | undefined;

/** The shipped price book's rows, read from disk once. */
export function defaultPriceBook(): PriceRow[] {
  cached ??= parsePriceBook(readFileSync(DEFAULT_PRICE_BOOK_FILE, 'utf8'), 'default', 0);
  return cached;
}
