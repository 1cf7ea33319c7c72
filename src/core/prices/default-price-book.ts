import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type PriceRow, parsePriceBook } from './price-book.ts';

/** The price book that ships with tokenledger (data/price-book.csv; its header says when it was taken). */
export const DEFAULT_PRICE_BOOK_FILE = fileURLToPath(
  new URL('../../../data/price-book.csv', import.meta.url),
);

let cached: PriceRow[] | undefined;

export function defaultPriceBook(): PriceRow[] {
  cached ??= parsePriceBook(readFileSync(DEFAULT_PRICE_BOOK_FILE, 'utf8'), 'default', 0);
  return cached;
}
