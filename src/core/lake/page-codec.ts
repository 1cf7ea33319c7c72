import * as zlib from 'node:zlib';

/** How the pages of a column chunk are compressed: the codec the file names, and the compressor. */
export interface PageCodec {
  codec: 'ZSTD' | 'GZIP';
  /** A page's compressed bytes; `rows` is the number of rows the page holds. */
  compress: (page: Uint8Array, rows: number) => Uint8Array;
}

type ZstdCompressSync = (data: Uint8Array, options: { params: Record<number, number> }) => Uint8Array;

/** `zlib.zstdCompressSync`, which Node has from 22.15 and 23.8 (the Lambda runtime is Node 24); absent on Node 20. */
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: ZstdCompressSync }).zstdCompressSync;
/** `ZSTD_c_compressionLevel` in zstd's parameter enum. */
const ZSTD_LEVEL_PARAMETER = 100;

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

/** ZSTD at `level`, or null where this Node has no zstd. */
export function zstdPages(level: number): PageCodec | null {
  const compress = zstdCompressSync;
  if (!compress) return null;
  const options = { params: { [ZSTD_LEVEL_PARAMETER]: level } };
  return { codec: 'ZSTD', compress: (page) => compress(page, options) };
}

/**
 * The events table's codec: ZSTD where Node has it (the Lambda runtime, Node 24 locally), which is smaller
 * and faster than GZIP; GZIP on Node 20. DuckDB and Athena read both, and a table may mix them.
 */
export const EVENT_PAGES: PageCodec = zstdPages(1) ?? GZIP_PAGES;
