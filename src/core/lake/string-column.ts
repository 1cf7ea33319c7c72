import { StringIds } from '../string-ids.ts';
import { rememberTableBits, tableBits } from '../table-sizes.ts';
import type { ByteBuffer } from './byte-buffer.ts';
import { definedFlags, indexes as indexArray, scratch } from './column-scratch.ts';
import {
  type ChunkStatistics,
  compareUtf8,
  definitionLevels,
  dictionaryCannotPay,
  dictionaryIndexes,
  dictionaryPays,
  type EncodedColumn,
  encodedColumn,
  SAMPLE_DISTINCT_SHARE,
  samplePosition,
  sampleSize,
} from './encoded-column.ts';

/**
 * A dictionary of at most this many values is searched by comparing strings, not through its `StringIds` table:
 * for a few values (short labels, which JSON.parse may hand over already interned) comparing costs less than
 * hashing the value's tail (docs/benchmarks.md, ingest).
 */
const SCAN_MAX = 4;

/**
 * A dictionary that grows past this many values before the column's end stops to ask the dictionary rule's sample
 * (see `stringColumn`).
 */
const SMALL_DICTIONARY = 64;

/**
 * A dictionary of at most this many values (past `SCAN_MAX`) is searched first among the values last found in it,
 * one a slot picked by its length and last character (`RECENT_MASK + 1` slots): a label column's values are few
 * and mostly differ there, so a value is nearly always its slot's, found with one comparison of strings instead
 * of its `tailHash` over 8 characters (docs/benchmarks.md, ingest). Past it (user hashes, customer ids, values
 * seldom met twice in a row of slots), straight to the table.
 */
const RECENT_MAX = 64;
const RECENT_MASK = 63;

/**
 * A string column (UTF-8 byte arrays), dictionary-encoded where hyparquet-writer's rule says it pays, else
 * PLAIN. Rows come sorted, so a value usually equals the previous one and costs no dictionary lookup.
 *
 * The rule first samples 1,000 values and writes PLAIN when over 90% of their bytes are distinct. Here the
 * dictionary is built first: a column that ends with a small dictionary (a label) answers the sample's question
 * from its bounds (every sampled value is in the dictionary, and none is shorter than the column's shortest), so
 * the sample, which hashes a thousand fresh strings, is only taken for a column whose dictionary grows large, or
 * whose bounds do not settle it. The answer, and so the file, is the rule's (docs/benchmarks.md, ingest).
 * `name`: the column's, under which its dictionary table's size is remembered for the next file (`tableBits`).
 */
export function stringColumn(
  cells: readonly (string | null)[],
  nullable: boolean,
  name = 'string column',
): EncodedColumn {
  const n = cells.length;
  const defined = definedFlags(n);
  const build = new DictionaryBuild(cells, nullable, defined, tableBits(name));
  let sampled = false;
  if (build.run(SMALL_DICTIONARY) === 'large') {
    sampled = true;
    build.countRest();
    if (!sampleRejectsStrings(cells)) build.run(Number.POSITIVE_INFINITY);
  }
  rememberTableBits(name, build.ids.capacityBits);
  const { present, totalChars, shortest } = build;
  const nulls = n - present;
  const levels = definitionLevels(defined, nullable);
  const { dictionary, distinctChars } = build;
  const usesDictionary =
    build.stopped === 'end' &&
    dictionaryPays(distinctChars, dictionary.length, present, totalChars, 4) &&
    (sampled ||
      sampleCannotReject(cells, distinctChars + 4 * dictionary.length, shortest + 4) ||
      !sampleRejectsStrings(cells));
  if (usesDictionary) {
    const page = plainStrings(dictionary, scratch.dictionary);
    // As many UTF-8 bytes as UTF-16 units: every value is ASCII, and compares with `<`.
    const ascii = page.length - 4 * dictionary.length === distinctChars;
    return encodedColumn(
      'RLE_DICTIONARY',
      { page, count: dictionary.length },
      levels,
      dictionaryIndexes(build.indexes.subarray(0, present), dictionary.length),
      n,
      nulls,
      stringStatistics(dictionary, ascii, nulls),
    );
  }
  const values =
    nulls === 0
      ? (cells as readonly string[])
      : (cells.filter((c) => c !== null && c !== undefined) as string[]);
  const page = plainStrings(values, scratch.page);
  const ascii = page.length - 4 * values.length === totalChars;
  return encodedColumn('PLAIN', null, levels, page, n, nulls, stringStatistics(values, ascii, nulls));
}

/**
 * hyparquet-writer's sample check, which skips building a dictionary for a column of (nearly) unique values: up to
 * 1,000 values spread over the column; more than 90% of their bytes distinct (a value's bytes counted as its
 * UTF-16 units, plus 4 for its length, as the rule counts them) means PLAIN. The distinct values are found through
 * a `StringIds` table, not a `Set`, which would hash each fresh string over all its characters.
 */
function sampleRejectsStrings(cells: readonly (string | null)[]): boolean {
  const n = cells.length;
  const samples = sampleSize(n);
  const seen: string[] = [];
  const ids = new StringIds(seen, 11);
  let distinctBytes = 0;
  let totalBytes = 0;
  for (let i = 0; i < samples; i++) {
    const value = cells[samplePosition(i, samples, n)];
    if (value === null || value === undefined) continue;
    const size = value.length + 4;
    if (ids.getOrAdd(value, seen.length) < 0) {
      seen.push(value);
      distinctBytes += size;
    }
    totalBytes += size;
  }
  return totalBytes === 0 || distinctBytes / totalBytes > SAMPLE_DISTINCT_SHARE;
}

/**
 * Whether the dictionary rule's sample surely keeps the dictionary, from bounds: its distinct bytes are at most
 * the whole dictionary's (`distinctBytes`), its bytes at least its present values times the shortest value's size
 * (`leastSize`), and it rejects when there are none, or when over 90% of its bytes are distinct.
 */
function sampleCannotReject(
  cells: readonly (string | null)[],
  distinctBytes: number,
  leastSize: number,
): boolean {
  const n = cells.length;
  const samples = sampleSize(n);
  let present = 0;
  for (let i = 0; i < samples; i++) {
    const value = cells[samplePosition(i, samples, n)];
    if (value !== null && value !== undefined) present++;
  }
  // A hair below the rule's share, so that rounding cannot put the bound on the wrong side of it.
  return present > 0 && distinctBytes < SAMPLE_DISTINCT_SHARE * (1 - 1e-9) * present * leastSize;
}

/**
 * A string column's dictionary and each present value's id, built a stretch at a time: `run` goes on from where
 * it stopped, until the column's end, until the dictionary can no longer pay, or until it would pass `limit`
 * values. The column's counts (present values, their characters, the shortest) and presence flags are taken in
 * the same pass, so that a label column is read once; `countRest` takes them for the rows a stopped run has not
 * reached. Until they are whole, a run does not ask whether the dictionary can still pay: it stops at `limit`
 * (and a dictionary that could not pay part-way cannot pay at the end either, so the answer is the same).
 */
class DictionaryBuild {
  readonly dictionary: string[] = [];
  readonly indexes: Int32Array;
  distinctChars = 0;
  present = 0;
  totalChars = 0;
  shortest = Number.POSITIVE_INFINITY;
  stopped: 'end' | 'cannot pay' | 'large' | null = null;
  readonly ids: StringIds;
  /** The value last found in each slot (see `RECENT_MAX`), and its id. */
  private readonly recent: string[] = new Array<string>(RECENT_MASK + 1).fill('');
  private readonly recentIds = new Int32Array(RECENT_MASK + 1);
  private i = 0;
  private k = 0;
  /** Rows before this one are in the counts. */
  private counted = 0;
  /** The last present value and its id (-1 before the first), kept as a string so that comparing with it stays a comparison of strings. */
  private prev = '';
  private prevId = -1;

  constructor(
    private readonly cells: readonly (string | null)[],
    private readonly nullable: boolean,
    private readonly defined: Uint8Array,
    tableBits: number | undefined,
  ) {
    this.ids = new StringIds(this.dictionary, tableBits);
    this.indexes = indexArray(cells.length);
  }

  run(limit: number): 'end' | 'cannot pay' | 'large' {
    const { cells, dictionary, ids, indexes, defined, recent, recentIds } = this;
    const n = cells.length;
    const whole = this.counted === n;
    let { i, k, prev, prevId, distinctChars, present, totalChars, shortest } = this;
    const counted = this.counted;
    let stopped: 'end' | 'cannot pay' | 'large' = 'end';
    for (; i < n; i++) {
      const value = cells[i];
      if (value === null || value === undefined) {
        if (!this.nullable) throw new Error('parquet required value is undefined');
        continue;
      }
      if (prevId < 0 || value !== prev) {
        let id: number | undefined;
        if (dictionary.length <= SCAN_MAX) {
          for (let d = 0; d < dictionary.length; d++) {
            if (dictionary[d] === value) {
              id = d;
              break;
            }
          }
        } else if (dictionary.length <= RECENT_MAX && value.length > 0) {
          // (The slots start out holding '', so the empty string goes to the table.)
          const length = value.length;
          const slot = (length * 31 + value.charCodeAt(length - 1)) & RECENT_MASK;
          if (recent[slot] === value) id = recentIds[slot];
          else {
            id = ids.get(value);
            if (id !== undefined) {
              recent[slot] = value;
              recentIds[slot] = id;
            }
          }
        } else id = ids.get(value);
        if (id === undefined) {
          if (dictionary.length >= limit) {
            stopped = 'large';
            break;
          }
          id = dictionary.length;
          dictionary.push(value);
          ids.add(value, id);
          distinctChars += value.length;
          if (whole && dictionaryCannotPay(distinctChars, dictionary.length, present, totalChars, 4)) {
            stopped = 'cannot pay';
            break;
          }
        }
        prev = value;
        prevId = id;
      }
      indexes[k++] = prevId;
      if (i >= counted) {
        defined[i] = 1;
        present++;
        totalChars += value.length;
        if (value.length < shortest) shortest = value.length;
      }
    }
    this.i = i;
    this.k = k;
    this.prev = prev;
    this.prevId = prevId;
    this.distinctChars = distinctChars;
    this.present = present;
    this.totalChars = totalChars;
    this.shortest = shortest;
    // The row a run stopped at is not done (not counted): the next run, or `countRest`, starts from it.
    if (i > counted) this.counted = i;
    this.stopped = stopped;
    return stopped;
  }

  /** Takes the counts of the rows no run has reached. */
  countRest(): void {
    const { cells, defined } = this;
    const n = cells.length;
    let { present, totalChars, shortest } = this;
    for (let i = this.counted; i < n; i++) {
      const value = cells[i];
      if (value === null || value === undefined) {
        if (!this.nullable) throw new Error('parquet required value is undefined');
        continue;
      }
      defined[i] = 1;
      present++;
      totalChars += value.length;
      if (value.length < shortest) shortest = value.length;
    }
    this.present = present;
    this.totalChars = totalChars;
    this.shortest = shortest;
    this.counted = n;
  }
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
