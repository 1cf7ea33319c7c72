import { fileURLToPath } from 'node:url';

// The files tokenledger reads at run time, found from the package's root folder: one level up from this file
// in the repository (src/) and from every built file in the package (dist/, which has no subfolders).
const ROOT = new URL('../', import.meta.url);

/** The SQL that Athena and the local engine share (`queries/`). */
export const QUERIES_DIR = fileURLToPath(new URL('queries/', ROOT));

/** The price book that ships with tokenledger (`data/price-book.csv`; its header says when it was taken). */
export const DEFAULT_PRICE_BOOK_FILE = fileURLToPath(new URL('data/price-book.csv', ROOT));
