import { ByteWriter } from 'hyparquet-writer';
import { ByteBuffer } from './byte-buffer.ts';

/**
 * Buffers the events writer reuses from one column to the next and one file to the next, so that writing a
 * file allocates almost no array buffers: allocating one right after a full garbage collection can wait for
 * V8's array-buffer sweeper, and each column used to allocate several. An encoded column's pages are views
 * into these buffers, valid until the next column is encoded: `eventsToParquet` writes each column out before
 * it encodes the next. Not reentrant (the writer is synchronous).
 */
export const scratch = {
  /** Definition levels. */
  levels: new ByteBuffer(1 << 12),
  /** Dictionary indexes. */
  indexPage: new ByteBuffer(1 << 14),
  /** DELTA_BINARY_PACKED lengths (hyparquet-writer's encoder writes through a ByteWriter). */
  packed: new ByteWriter(1 << 14),
  /** A data page. */
  page: new ByteBuffer(1 << 16),
  /** A dictionary page. */
  dictionary: new ByteBuffer(1 << 12),
  /** The UTF-8 bytes of a column of strings, before they are split into prefixes and suffixes. */
  text: new ByteBuffer(1 << 16),
  defined: new Uint8Array(0),
  numbers: new Float64Array(0),
  indexes: new Int32Array(0),
  offsets: new Int32Array(0),
  prefixes: new Int32Array(0),
  suffixes: new Int32Array(0),
};

/** A hyparquet-writer ByteWriter emptied for reuse (it keeps its buffer). */
export function reset(writer: ByteWriter): ByteWriter {
  writer.offset = 0;
  writer.index = 0;
  return writer;
}

/** `n` zeroed presence flags. */
export function definedFlags(n: number): Uint8Array {
  if (scratch.defined.length < n) scratch.defined = new Uint8Array(capacityFor(n));
  const flags = scratch.defined.subarray(0, n);
  flags.fill(0);
  return flags;
}

export function numbers(n: number): Float64Array {
  if (scratch.numbers.length < n) scratch.numbers = new Float64Array(capacityFor(n));
  return scratch.numbers.subarray(0, n);
}

export function indexes(n: number): Int32Array {
  if (scratch.indexes.length < n) scratch.indexes = new Int32Array(capacityFor(n));
  return scratch.indexes.subarray(0, n);
}

/** Offsets (n + 1), prefix and suffix lengths (n) of a DELTA_BYTE_ARRAY column. */
export function deltaArrays(n: number): { offsets: Int32Array; prefixes: Int32Array; suffixes: Int32Array } {
  if (scratch.prefixes.length < n) {
    scratch.offsets = new Int32Array(capacityFor(n) + 1);
    scratch.prefixes = new Int32Array(capacityFor(n));
    scratch.suffixes = new Int32Array(capacityFor(n));
  }
  return {
    offsets: scratch.offsets.subarray(0, n + 1),
    prefixes: scratch.prefixes.subarray(0, n),
    suffixes: scratch.suffixes.subarray(0, n),
  };
}

/** The length a reused array grows to when `n` no longer fit: a power of two, at least 1,024. */
export function capacityFor(n: number): number {
  return Math.max(1024, 2 ** Math.ceil(Math.log2(n)));
}
