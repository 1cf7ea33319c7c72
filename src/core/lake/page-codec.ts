import * as zlib from 'node:zlib';
import { reusableZstd } from './zstd-context.ts';

/** How the pages of a column chunk are compressed: the codec the file names, and the compressor. */
export interface PageCodec {
  codec: 'ZSTD' | 'GZIP';
  /**
   * A page's compressed bytes; `rows` is the number of rows the page holds. The bytes may be a view of the
   * codec's own buffer, valid until its next call: write them out first.
   */
  compress: (page: Uint8Array, rows: number) => Uint8Array;
}

/**
 * GZIP, chosen from a page's size per row so that the same rows give the same bytes. A page of more than 16
 * bytes a row holds random ids (the event_id suffixes left after prefix sharing, hex digits that never
 * repeat): deflate's match search finds nothing there, so it is only Huffman-coded, which is 4× faster and a
 * little smaller. Every other page is deflated at level 3: within 1% of level 6 on these columns, at half the
 * time (docs/benchmarks.md, ingest).
 */
export const GZIP_PAGES: PageCodec = {
  codec: 'GZIP',
  compress: (page, rows) =>
    page.length > 16 * rows
      ? zlib.gzipSync(page, { level: 6, strategy: zlib.constants.Z_HUFFMAN_ONLY })
      : zlib.gzipSync(page, { level: 3 }),
};

/** ZSTD at `level`, one compression context kept for every page (zstd-context.ts), or null where this Node has no zstd. */
export function zstdPages(level: number): PageCodec | null {
  const compress = reusableZstd(level);
  return compress ? { codec: 'ZSTD', compress } : null;
}

/**
 * The events table's codec: ZSTD where Node has it (the Lambda runtime, Node 24 locally), which is smaller
 * and faster than GZIP; GZIP on Node 20. DuckDB and Athena read both, and a table may mix them.
 */
export const EVENT_PAGES: PageCodec = zstdPages(1) ?? GZIP_PAGES;
