import { scratch } from './column-scratch.ts';
import { writeRleBitPacked } from './rle-hybrid.ts';

/** Column statistics as hyparquet-writer's metadata writer takes them (JS values; it converts them). */
export interface ChunkStatistics {
  min_value?: string | number;
  max_value?: string | number;
  null_count: bigint;
  nan_count?: bigint;
}

/**
 * One column of a row group, encoded and ready to be written as a dictionary page (maybe) and one data page.
 * Its byte arrays are views into the writer's scratch buffers (column-scratch.ts): write it before encoding
 * the next column.
 */
export interface EncodedColumn {
  encoding: 'PLAIN' | 'RLE_DICTIONARY' | 'DELTA_BINARY_PACKED' | 'DELTA_BYTE_ARRAY';
  /** The dictionary page's PLAIN values and their number, for RLE_DICTIONARY. */
  dictionary: { page: Uint8Array; count: number } | null;
  /** Definition levels (RLE/bit-packed hybrid, width 1) of an optional column; empty for a required one. */
  levels: Uint8Array;
  /** The encoded non-null values. */
  page: Uint8Array;
  rows: number;
  nulls: number;
  statistics: ChunkStatistics;
}

const NO_LEVELS = new Uint8Array(0);

/**
 * An `EncodedColumn`, always built by this one literal, so that every column's object has the same shape. A
 * shape made by spreading is held only weakly by the code that uses it: when a full garbage collection finds no
 * object of it alive between two files, the encoders' optimised code is dropped and made again while the next
 * file is written (docs/benchmarks.md, ingest).
 */
export function encodedColumn(
  encoding: EncodedColumn['encoding'],
  dictionary: EncodedColumn['dictionary'],
  levels: Uint8Array,
  page: Uint8Array,
  rows: number,
  nulls: number,
  statistics: ChunkStatistics,
): EncodedColumn {
  return { encoding, dictionary, levels, page, rows, nulls, statistics };
}

/** Definition levels of an optional column (1 present, 0 null), as the data page stores them. */
export function definitionLevels(defined: Uint8Array, nullable: boolean): Uint8Array {
  if (!nullable) return NO_LEVELS;
  const out = scratch.levels.reset();
  writeRleBitPacked(out, defined, 1);
  return out.written();
}

/** RLE_DICTIONARY data: the bit width, then the indexes RLE/bit-packed (as hyparquet-writer writes them). */
export function dictionaryIndexes(indexes: Int32Array, distinct: number): Uint8Array {
  const bitWidth = distinct <= 1 ? 0 : 32 - Math.clz32(distinct - 1);
  const out = scratch.indexPage.reset();
  out.u8(bitWidth);
  writeRleBitPacked(out, indexes, bitWidth);
  return out.written();
}

/**
 * hyparquet-writer's rule for an automatic dictionary: the dictionary plus its bit-packed indexes must at
 * least halve the PLAIN bytes (byte arrays count a 4-byte length per occurrence in PLAIN and per distinct
 * value in the dictionary).
 */
export function dictionaryPays(
  distinctBytes: number,
  distinct: number,
  present: number,
  totalBytes: number,
  prefix: number,
): boolean {
  if (distinct === 0) return false;
  // ceil(log2(distinct)), as the rule computes it, in integer operations: `Math.log2` is a call into C, made here
  // once for every new value of a dictionary being built.
  const bitWidth = distinct <= 1 ? 0 : 32 - Math.clz32(distinct - 1);
  const indexBytes = Math.ceil((present * bitWidth) / 8);
  return 2 * (distinctBytes + distinct * prefix + indexBytes) <= totalBytes + present * prefix;
}

/**
 * Whether a dictionary that already holds `distinct` values of `distinctBytes` can no longer pay, whatever
 * the rest of the column holds: its bytes and the index width only grow. Lets a column of many distinct
 * values stop building its dictionary early.
 */
export function dictionaryCannotPay(
  distinctBytes: number,
  distinct: number,
  present: number,
  totalBytes: number,
  prefix: number,
): boolean {
  return !dictionaryPays(distinctBytes, distinct, present, totalBytes, prefix);
}

/** Above this share of distinct bytes in the sample, a column is written PLAIN. */
export const SAMPLE_DISTINCT_SHARE = 0.9;

/** How many values the dictionary rule samples from a column of `n`. */
export function sampleSize(n: number): number {
  return Math.min(n, 1000);
}

/** The row of the `i`th of `samples` values sampled from a column of `n`, spread evenly. */
export function samplePosition(i: number, samples: number, n: number): number {
  return samples === 1 ? 0 : Math.floor((i * (n - 1)) / (samples - 1));
}

/**
 * Strings in UTF-8 byte order, which is code point order (Parquet's order for byte-array statistics): `<`
 * compares UTF-16 units, which puts supplementary characters before U+E000..U+FFFF. Lone surrogates compare as
 * U+FFFD, as they are written. (hyparquet-writer's comparison, which it does not export.)
 */
export function compareUtf8(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  if (i > 0) {
    const prev = left.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  while (i < left.length && i < right.length) {
    const a = codePointAt(left, i);
    const b = codePointAt(right, i);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePointAt(text: string, i: number): number {
  const code = text.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}
