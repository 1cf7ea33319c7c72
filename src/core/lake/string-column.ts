import type { ByteBuffer } from './byte-buffer.ts';
import { definedFlags, indexes as indexArray, scratch } from './column-scratch.ts';
import { DictionaryIds } from './dictionary-ids.ts';
import {
  type ChunkStatistics,
  compareUtf8,
  definitionLevels,
  dictionaryCannotPay,
  dictionaryIndexes,
  dictionaryPays,
  type EncodedColumn,
  encodedColumn,
  sampleRejectsDictionary,
} from './encoded-column.ts';

const stringLength = (value: string) => value.length;
/**
 * A dictionary of at most this many values is searched by comparing strings, not through its `Map`: a string
 * fresh from JSON.parse has no hash yet, and computing one costs more than a few comparisons, which mostly stop
 * at the length (docs/benchmarks.md, ingest).
 */
const SCAN_MAX = 8;

/**
 * A string column (UTF-8 byte arrays), dictionary-encoded where hyparquet-writer's rule says it pays, else
 * PLAIN. Rows come sorted, so a value usually equals the previous one and costs no dictionary lookup.
 */
export function stringColumn(cells: readonly (string | null)[], nullable: boolean): EncodedColumn {
  const n = cells.length;
  const defined = definedFlags(n);
  let nulls = 0;
  let totalChars = 0;
  for (let i = 0; i < n; i++) {
    const value = cells[i];
    if (value === null || value === undefined) {
      if (!nullable) throw new Error('parquet required value is undefined');
      nulls++;
    } else {
      defined[i] = 1;
      totalChars += value.length;
    }
  }
  const present = n - nulls;
  const levels = definitionLevels(defined, nullable);
  if (!sampleRejectsDictionary(cells, stringLength, 4)) {
    const dictionary: string[] = [];
    const ids = new DictionaryIds(dictionary);
    const indexes = indexArray(present);
    let distinctChars = 0;
    let prev: string | null = null;
    let prevId = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const value = cells[i];
      if (value === null || value === undefined) continue;
      if (value !== prev) {
        let id: number | undefined;
        if (dictionary.length <= SCAN_MAX) {
          for (let d = 0; d < dictionary.length; d++) {
            if (dictionary[d] === value) {
              id = d;
              break;
            }
          }
        } else id = ids.get(value);
        if (id === undefined) {
          id = dictionary.length;
          dictionary.push(value);
          ids.add(value, id);
          distinctChars += value.length;
          if (dictionaryCannotPay(distinctChars, dictionary.length, present, totalChars, 4)) break;
        }
        prev = value;
        prevId = id;
      }
      indexes[k++] = prevId;
    }
    if (dictionaryPays(distinctChars, dictionary.length, present, totalChars, 4)) {
      const page = plainStrings(dictionary, scratch.dictionary);
      // As many UTF-8 bytes as UTF-16 units: every value is ASCII, and compares with `<`.
      const ascii = page.length - 4 * dictionary.length === distinctChars;
      return encodedColumn(
        'RLE_DICTIONARY',
        { page, count: dictionary.length },
        levels,
        dictionaryIndexes(indexes, dictionary.length),
        n,
        nulls,
        stringStatistics(dictionary, ascii, nulls),
      );
    }
  }
  const values =
    nulls === 0
      ? (cells as readonly string[])
      : (cells.filter((c) => c !== null && c !== undefined) as string[]);
  const page = plainStrings(values, scratch.page);
  const ascii = page.length - 4 * values.length === totalChars;
  return encodedColumn('PLAIN', null, levels, page, n, nulls, stringStatistics(values, ascii, nulls));
}

/** PLAIN byte arrays: each value's UTF-8 length (4 bytes, little-endian), then its bytes. */
function plainStrings(values: readonly string[], out: ByteBuffer): Uint8Array {
  out.reset();
  for (const value of values) {
    out.reserve(4);
    const at = out.length;
    out.length += 4;
    const bytes = out.utf8(value);
    out.bytes[at] = bytes & 0xff;
    out.bytes[at + 1] = (bytes >>> 8) & 0xff;
    out.bytes[at + 2] = (bytes >>> 16) & 0xff;
    out.bytes[at + 3] = bytes >>> 24;
  }
  return out.written();
}

/** A string column's statistics: min and max in UTF-8 byte order (absent when every value is null), nulls. */
export function stringStatistics(values: readonly string[], ascii: boolean, nulls: number): ChunkStatistics {
  const { min_value, max_value } = bounds(values, ascii);
  return { min_value, max_value, null_count: BigInt(nulls), nan_count: undefined };
}

/**
 * Min and max in UTF-8 byte order. Strings known to be ASCII compare with `<`, which orders them the same.
 */
export function bounds(values: readonly string[], ascii = false): { min_value?: string; max_value?: string } {
  let min: string | undefined;
  let max: string | undefined;
  if (ascii) {
    for (const value of values) {
      if (min === undefined || value < min) min = value;
      if (max === undefined || value > max) max = value;
    }
    return min === undefined ? {} : { min_value: min, max_value: max as string };
  }
  for (const value of values) {
    if (min === undefined || compareUtf8(value, min) < 0) min = value;
    if (max === undefined || compareUtf8(value, max) > 0) max = value;
  }
  return min === undefined ? {} : { min_value: min, max_value: max as string };
}
