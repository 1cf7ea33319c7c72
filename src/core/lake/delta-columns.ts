import { ByteWriter } from 'hyparquet-writer';
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
import { packBits } from './bit-pack.ts';
import { deltaArrays, reset, scratch } from './column-scratch.ts';
import { type ChunkStatistics, type EncodedColumn, encodedColumn } from './encoded-column.ts';
import type { NumberCells } from './event-column-cells.ts';
import { stringStatistics } from './string-column.ts';

const BLOCK = 128;
const MINIBLOCKS = 4;
const PER_MINIBLOCK = BLOCK / MINIBLOCKS;
/** Above this, an adjusted delta no longer packs exactly in float arithmetic (2^45 plus 7 pending bits). */
const NUMBER_PACK_LIMIT = 2 ** 45;
const NO_LEVELS = new Uint8Array(0);
const deltas = new Float64Array(BLOCK);
const widths = new Uint8Array(MINIBLOCKS);

/**
 * A required INT64 column of epoch milliseconds, DELTA_BINARY_PACKED (blocks of 128, 4 miniblocks) in number
 * arithmetic: hyparquet-writer's encoder takes INT64 values through BigInt, one allocation a value. A column
 * whose deltas do not fit is handed to that encoder.
 */
export function timestampColumn(column: NumberCells, n: number): EncodedColumn {
  const cells = column.values.subarray(0, n);
  const defined = column.defined;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const value = cells[i] as number;
    if (defined[i] === 0) throw new Error(`parquet required value is undefined (column ${column.column})`);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`a timestamp column holds ${String(value)}, which is not a safe integer`);
    }
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const page =
    n > 0 && max - min < NUMBER_PACK_LIMIT / 2 && -min < 2 ** 52 && max < 2 ** 52
      ? deltaPackNumbers(cells)
      : deltaPackBigInts(cells);
  const statistics: ChunkStatistics = {
    min_value: n > 0 ? min : undefined,
    max_value: n > 0 ? max : undefined,
    null_count: 0n,
    nan_count: undefined,
  };
  return encodedColumn('DELTA_BINARY_PACKED', null, NO_LEVELS, page, n, 0, statistics);
}

function deltaPackBigInts(cells: Float64Array): Uint8Array {
  const writer = new ByteWriter(cells.length * 8 + 64);
  deltaBinaryPack(
    writer,
    BigInt64Array.from(cells, (c) => BigInt(c)),
    'INT64',
  );
  return writer.getBytes().slice();
}

/** DELTA_BINARY_PACKED of safe integers whose range is below 2^44, so every adjusted delta is below 2^45. */
function deltaPackNumbers(values: Float64Array): Uint8Array {
  const n = values.length;
  const out = scratch.page.reset();
  out.varint(BLOCK);
  out.varint(MINIBLOCKS);
  out.varint(n);
  out.zigzag(values[0] as number);
  for (let start = 1; start < n; start += BLOCK) {
    const size = Math.min(BLOCK, n - start);
    let minDelta = Number.POSITIVE_INFINITY;
    for (let i = 0; i < size; i++) {
      const delta = (values[start + i] as number) - (values[start + i - 1] as number);
      deltas[i] = delta;
      if (delta < minDelta) minDelta = delta;
    }
    out.zigzag(minDelta);
    for (let mb = 0; mb < MINIBLOCKS; mb++) {
      let most = 0;
      for (let i = mb * PER_MINIBLOCK; i < Math.min((mb + 1) * PER_MINIBLOCK, size); i++) {
        const adjusted = (deltas[i] as number) - minDelta;
        deltas[i] = adjusted;
        if (adjusted > most) most = adjusted;
      }
      widths[mb] = bitWidth(most);
    }
    out.append(widths);
    for (let mb = 0; mb < MINIBLOCKS; mb++) {
      const width = widths[mb] as number;
      if (width === 0) continue;
      out.reserve(width * 4);
      const from = mb * PER_MINIBLOCK;
      // The adjusted deltas (below 2^45) in float arithmetic past 24 bits, where 32-bit shifts would lose them.
      out.length =
        width <= 24
          ? packBits(out.bytes, out.length, deltas, from, from + PER_MINIBLOCK, size, width)
          : packWide(out.bytes, out.length, from, size, width);
    }
  }
  return out.written();
}

/** One miniblock of adjusted deltas wider than 24 bits, packed LSB first in float arithmetic. */
function packWide(bytes: Uint8Array, from: number, start: number, size: number, width: number): number {
  let at = from;
  let buffer = 0;
  let used = 0;
  for (let i = start; i < start + PER_MINIBLOCK; i++) {
    buffer += (i < size ? (deltas[i] as number) : 0) * 2 ** used;
    used += width;
    while (used >= 8) {
      bytes[at++] = buffer % 0x100;
      buffer = Math.floor(buffer / 0x100);
      used -= 8;
    }
  }
  return at;
}

/** Bits needed for a non-negative integer below 2^53. */
function bitWidth(value: number): number {
  if (value < 2 ** 32) return 32 - Math.clz32(value);
  let width = 32;
  while (2 ** width <= value) width++;
  return width;
}

/**
 * A required string column as DELTA_BYTE_ARRAY: each value's shared prefix with the previous one (in UTF-8
 * bytes) and the rest. The lengths go through hyparquet-writer's DELTA_BINARY_PACKED encoder.
 *
 * An ASCII column (event ids always are: the contract allows `[A-Za-z0-9_-]`) is done in one pass over the
 * strings, comparing each with the previous one character by character and keeping only its suffix, since its
 * characters are its UTF-8 bytes; a value that is not ASCII sends the column to the general path, which encodes
 * every value to UTF-8 first (docs/benchmarks.md, ingest).
 */
export function deltaStringColumn(cells: readonly string[]): EncodedColumn {
  const n = cells.length;
  const { prefixes, suffixes } = deltaArrays(n);
  const text = scratch.text.reset();
  let prev = '';
  let min = '';
  let max = '';
  // Whether the previous value is the column's max (min) so far: the order of a value and the one before comes
  // free from their first differing character, so a column in about ascending order (event ids sorted by time)
  // needs no comparison of whole strings for its bounds.
  let prevIsMax = true;
  let prevIsMin = true;
  for (let i = 0; i < n; i++) {
    const value = cells[i];
    if (typeof value !== 'string') throw new Error('parquet required value is undefined');
    const length = value.length;
    const prevLength = prev.length;
    const most = Math.min(length, prevLength);
    let shared = 0;
    while (shared < most && value.charCodeAt(shared) === prev.charCodeAt(shared)) shared++;
    if (!text.asciiFrom(value, shared)) return deltaUtf8Column(cells);
    prefixes[i] = shared;
    suffixes[i] = length - shared;
    // ASCII strings: UTF-16 order is byte order.
    const order = shared < most ? value.charCodeAt(shared) - prev.charCodeAt(shared) : length - prevLength;
    if (i === 0) {
      min = value;
      max = value;
    } else if (order > 0) {
      // Above the previous value, so not below the min.
      prevIsMax = prevIsMax || value > max;
      if (prevIsMax) max = value;
      prevIsMin = false;
    } else if (order < 0) {
      prevIsMin = prevIsMin || value < min;
      if (prevIsMin) min = value;
      prevIsMax = false;
    }
    prev = value;
  }
  const statistics: ChunkStatistics = {
    min_value: n > 0 ? min : undefined,
    max_value: n > 0 ? max : undefined,
    null_count: 0n,
    nan_count: undefined,
  };
  return deltaColumn(n, prefixes, suffixes, text.written(), statistics);
}

/** The general path of `deltaStringColumn`: every value to UTF-8, then prefixes compared byte by byte. */
function deltaUtf8Column(cells: readonly string[]): EncodedColumn {
  const n = cells.length;
  const all = scratch.text.reset();
  const { offsets, prefixes, suffixes } = deltaArrays(n);
  offsets[0] = 0;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const value = cells[i];
    if (typeof value !== 'string') throw new Error('parquet required value is undefined');
    chars += value.length;
    all.utf8(value);
    offsets[i + 1] = all.length;
  }
  const bytes = all.bytes;
  let suffixTotal = 0;
  for (let i = 0; i < n; i++) {
    const start = offsets[i] as number;
    const end = offsets[i + 1] as number;
    let shared = 0;
    if (i > 0) {
      const prev = offsets[i - 1] as number;
      const most = Math.min(start - prev, end - start);
      while (shared < most && bytes[prev + shared] === bytes[start + shared]) shared++;
    }
    prefixes[i] = shared;
    suffixes[i] = end - start - shared;
    suffixTotal += end - start - shared;
  }
  const suffixBytes = new Uint8Array(suffixTotal);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const end = offsets[i + 1] as number;
    for (let b = (offsets[i] as number) + (prefixes[i] as number); b < end; b++)
      suffixBytes[at++] = bytes[b] as number;
  }
  // As many UTF-8 bytes as UTF-16 units: every value is ASCII.
  return deltaColumn(n, prefixes, suffixes, suffixBytes, stringStatistics(cells, all.length === chars, 0));
}

/** The DELTA_BYTE_ARRAY page: prefix lengths, suffix lengths (DELTA_BINARY_PACKED), then the suffixes' bytes. */
function deltaColumn(
  n: number,
  prefixes: Int32Array,
  suffixes: Int32Array,
  suffixBytes: Uint8Array,
  statistics: ChunkStatistics,
): EncodedColumn {
  const lengths = reset(scratch.packed);
  deltaBinaryPack(lengths, prefixes, 'INT32');
  deltaBinaryPack(lengths, suffixes, 'INT32');
  const page = scratch.page.reset();
  page.append(lengths.getBytes());
  page.append(suffixBytes);
  return encodedColumn('DELTA_BYTE_ARRAY', null, NO_LEVELS, page.written(), n, 0, statistics);
}
