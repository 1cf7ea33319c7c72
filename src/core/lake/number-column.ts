import { rememberTableBits, tableBits } from '../table-sizes.ts';
import type { ByteBuffer } from './byte-buffer.ts';
import { indexes as indexArray, numbers, scratch } from './column-scratch.ts';
import {
  type ChunkStatistics,
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
import type { NumberCells } from './event-column-cells.ts';
import { NumberIds } from './number-ids.ts';

/**
 * An INT32 or DOUBLE column, dictionary-encoded where hyparquet-writer's rule says it pays, else PLAIN. An
 * INT32 cell must be an integer in range, as hyparquet-writer requires.
 */
export function numberColumn(
  cells: NumberCells,
  n: number,
  type: 'INT32' | 'DOUBLE',
  nullable: boolean,
): EncodedColumn {
  const size = type === 'INT32' ? 4 : 8;
  const defined = cells.defined.subarray(0, n);
  const all = cells.values;
  // Present values, compacted only when some are null.
  let values = all;
  let present = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let nans = 0;
  for (let i = 0; i < n; i++) {
    if (defined[i] === 0) {
      if (!nullable) throw new Error(`parquet required value is undefined (column ${cells.column})`);
      if (values === all) {
        values = numbers(n);
        values.set(all.subarray(0, i));
      }
      continue;
    }
    const value = all[i] as number;
    if (type === 'INT32' && (!Number.isSafeInteger(value) || value < -2147483648 || value > 2147483647)) {
      throw new Error(`parquet expected int32 value, got ${value} (column ${cells.column})`);
    }
    if (values !== all) values[present] = value;
    present++;
    if (value < min) min = value;
    if (value > max) max = value;
    if (Number.isNaN(value)) nans++;
  }
  const nulls = n - present;
  // Signed zero as Parquet wants it: a minimum of 0 is -0, a maximum of -0 is 0.
  const statistics: ChunkStatistics = {
    min_value: min <= max ? (min === 0 ? -0 : min) : undefined,
    max_value: min <= max ? (max === 0 ? 0 : max) : undefined,
    null_count: BigInt(nulls),
    nan_count: type === 'DOUBLE' ? BigInt(nans) : undefined,
  };
  const levels = definitionLevels(defined, nullable);
  const present_ = values.subarray(0, present);

  if (!sampleRejectsNumberDictionary(cells, n)) {
    const ids = new NumberIds(tableBits(cells.column));
    const dictionary: number[] = [];
    const indexes = indexArray(present);
    let prev = Number.NaN;
    let prevId = 0;
    for (let k = 0; k < present; k++) {
      const value = present_[k] as number;
      if (value !== prev) {
        let id = ids.get(value);
        if (id === undefined) {
          id = dictionary.length;
          dictionary.push(value);
          ids.add(value, id);
          if (dictionaryCannotPay(dictionary.length * size, dictionary.length, present, present * size, 0))
            break;
        }
        prev = value;
        prevId = id;
      }
      indexes[k] = prevId;
    }
    rememberTableBits(cells.column, ids.capacityBits);
    if (dictionaryPays(dictionary.length * size, dictionary.length, present, present * size, 0)) {
      return encodedColumn(
        'RLE_DICTIONARY',
        { page: plainNumbers(dictionary, type, scratch.dictionary), count: dictionary.length },
        levels,
        dictionaryIndexes(indexes, dictionary.length),
        n,
        nulls,
        statistics,
      );
    }
  }
  return encodedColumn(
    'PLAIN',
    null,
    levels,
    plainNumbers(present_, type, scratch.page),
    n,
    nulls,
    statistics,
  );
}

/** Whether this machine stores numbers little-endian, as Parquet does (x86 and ARM both do). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * PLAIN numbers: 4-byte integers or 8-byte doubles, little-endian. On a little-endian machine a typed array over
 * the page takes them in one `set` (which converts doubles to 32-bit integers natively); elsewhere, one by one.
 */
function plainNumbers(values: ArrayLike<number>, type: 'INT32' | 'DOUBLE', out: ByteBuffer): Uint8Array {
  const n = values.length;
  const size = type === 'INT32' ? 4 : 8;
  out.reset();
  out.reserve(n * size);
  const { buffer, byteOffset } = out.bytes;
  if (LITTLE_ENDIAN && byteOffset % 8 === 0) {
    if (type === 'INT32') new Int32Array(buffer, byteOffset, n).set(values);
    else new Float64Array(buffer, byteOffset, n).set(values);
    out.length = n * size;
  } else if (type === 'INT32') for (let i = 0; i < n; i++) out.i32(values[i] as number);
  else for (let i = 0; i < n; i++) out.f64(values[i] as number);
  return out.written();
}

/**
 * `sampleRejectsDictionary` for a number column: the same sampled rows, each present value of the same size, so
 * the share of distinct bytes is the share of distinct values.
 */
function sampleRejectsNumberDictionary(cells: NumberCells, n: number): boolean {
  const samples = sampleSize(n);
  const seen = new NumberIds();
  let distinct = 0;
  let total = 0;
  for (let i = 0; i < samples; i++) {
    const at = samplePosition(i, samples, n);
    if (cells.defined[at] === 0) continue;
    const value = cells.values[at] as number;
    if (seen.get(value) === undefined) seen.add(value, distinct++);
    total++;
  }
  return total === 0 || distinct / total > SAMPLE_DISTINCT_SHARE;
}
