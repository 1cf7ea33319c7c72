import { packBits } from './bit-pack.ts';
import type { ByteBuffer } from './byte-buffer.ts';

/**
 * Parquet's RLE / bit-packing hybrid, as hyparquet-writer's `writeRleBitPackedHybrid` writes it (the same runs,
 * the same bytes): a run of 8 or more equal values is written as one RLE run; other values go in groups of 8,
 * bit-packed, consecutive groups under one header. Here the bytes go straight into a byte array, not through a
 * `DataView` call per byte, which was most of its cost for a column of 10,000 dictionary indexes
 * (docs/benchmarks.md, ingest). `bitWidth` is at most 24.
 */
export function writeRleBitPacked(out: ByteBuffer, values: ArrayLike<number>, bitWidth: number): void {
  const n = values.length;
  // At most: every value bit-packed (a group of 8 in `bitWidth` bytes, a header of up to 5 bytes per group),
  // or every 8 values one RLE run (a header of up to 5 bytes and up to 3 value bytes).
  out.reserve(Math.ceil(n / 8) * (Math.max(bitWidth, 8) + 5) + 16);
  const bytes = out.bytes;
  const width = (bitWidth + 7) >> 3;
  let at = out.length;
  let pendingGroups = 0;
  let packedStart = 0;
  let i = 0;
  while (i < n) {
    const first = values[i] as number;
    let run = 1;
    while (i + run < n && values[i + run] === first) run++;
    if (run >= 8) {
      if (pendingGroups > 0) {
        at = packGroups(bytes, at, values, packedStart, pendingGroups, bitWidth);
        pendingGroups = 0;
      }
      at = varint(bytes, at, run * 2);
      for (let j = 0; j < width; j++) bytes[at++] = (first >> (j << 3)) & 0xff;
      i += run;
    } else {
      if (pendingGroups === 0) packedStart = i;
      pendingGroups++;
      i += 8;
    }
  }
  if (pendingGroups > 0) at = packGroups(bytes, at, values, packedStart, pendingGroups, bitWidth);
  out.length = at;
}

/** `groups` groups of 8 values from `start`, bit-packed after their header; values past the end count as 0. */
function packGroups(
  bytes: Uint8Array,
  from: number,
  values: ArrayLike<number>,
  start: number,
  groups: number,
  bitWidth: number,
): number {
  const at = varint(bytes, from, groups * 2 + 1);
  if (bitWidth === 0) return at;
  return packBits(bytes, at, values, start, start + groups * 8, values.length, bitWidth);
}

/** An unsigned integer below 2^31 as a ULEB128 varint. */
function varint(bytes: Uint8Array, from: number, value: number): number {
  let at = from;
  let v = value;
  while (v >= 0x80) {
    bytes[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[at++] = v;
  return at;
}
