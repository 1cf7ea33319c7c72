import type { ByteBuffer } from './byte-buffer.ts';
import { definedFlags, indexes as indexArray, numbers, scratch } from './column-scratch.ts';
import {
  type ChunkStatistics,
  definitionLevels,
  dictionaryCannotPay,
  dictionaryIndexes,
  dictionaryPays,
  type EncodedColumn,
  sampleRejectsDictionary,
} from './encoded-column.ts';

/**
 * An INT32 or DOUBLE column, dictionary-encoded where hyparquet-writer's rule says it pays, else PLAIN. An
 * INT32 cell must be an integer in range, as hyparquet-writer requires.
 */
export function numberColumn(
  cells: readonly (number | null)[],
  type: 'INT32' | 'DOUBLE',
  nullable: boolean,
): EncodedColumn {
  const n = cells.length;
  const size = type === 'INT32' ? 4 : 8;
  const defined = definedFlags(n);
  const values = numbers(n);
  let present = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let nans = 0;
  for (let i = 0; i < n; i++) {
    const value = cells[i];
    if (value === null || value === undefined) {
      if (!nullable) throw new Error('parquet required value is undefined');
      continue;
    }
    if (typeof value !== 'number') throw new Error(`parquet expected number value, got ${String(value)}`);
    if (type === 'INT32' && (!Number.isSafeInteger(value) || value < -2147483648 || value > 2147483647)) {
      throw new Error(`parquet expected int32 value, got ${value}`);
    }
    defined[i] = 1;
    values[present++] = value;
    if (value < min) min = value;
    if (value > max) max = value;
    if (Number.isNaN(value)) nans++;
  }
  const nulls = n - present;
  const statistics: ChunkStatistics = { null_count: BigInt(nulls) };
  if (min <= max) {
    // Signed zero as Parquet wants it: a minimum of 0 is -0, a maximum of -0 is 0.
    statistics.min_value = min === 0 ? -0 : min;
    statistics.max_value = max === 0 ? 0 : max;
  }
  if (type === 'DOUBLE') statistics.nan_count = BigInt(nans);
  const base = { levels: definitionLevels(defined, nullable), rows: n, nulls, statistics };
  const present_ = values.subarray(0, present);

  if (!sampleRejectsDictionary(cells, () => size, 0)) {
    const ids = new Map<number, number>();
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
          ids.set(value, id);
          if (dictionaryCannotPay(dictionary.length * size, dictionary.length, present, present * size, 0))
            break;
        }
        prev = value;
        prevId = id;
      }
      indexes[k] = prevId;
    }
    if (dictionaryPays(dictionary.length * size, dictionary.length, present, present * size, 0)) {
      return {
        ...base,
        encoding: 'RLE_DICTIONARY',
        dictionary: { page: plainNumbers(dictionary, type, scratch.dictionary), count: dictionary.length },
        page: dictionaryIndexes(indexes, dictionary.length),
      };
    }
  }
  return { ...base, encoding: 'PLAIN', dictionary: null, page: plainNumbers(present_, type, scratch.page) };
}

function plainNumbers(values: ArrayLike<number>, type: 'INT32' | 'DOUBLE', out: ByteBuffer): Uint8Array {
  out.reset();
  out.reserve(values.length * 8);
  if (type === 'INT32') for (let i = 0; i < values.length; i++) out.i32(values[i] as number);
  else for (let i = 0; i < values.length; i++) out.f64(values[i] as number);
  return out.written();
}
