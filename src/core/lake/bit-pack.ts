/**
 * Packs `values[from..to)` LSB first, `bitWidth` bits each (at most 24), into `bytes` from `at`, as Parquet's
 * bit-packed runs and DELTA_BINARY_PACKED miniblocks store them; a position at or past `available` packs as 0.
 * Returns where the bytes end (a last partial byte included).
 */
export function packBits(
  bytes: Uint8Array,
  at: number,
  values: ArrayLike<number>,
  from: number,
  to: number,
  available: number,
  bitWidth: number,
): number {
  const mask = (1 << bitWidth) - 1;
  let end = at;
  let buffer = 0;
  let used = 0;
  for (let i = from; i < to; i++) {
    const v = i < available ? (values[i] as number) & mask : 0;
    buffer |= v << used;
    used += bitWidth;
    while (used >= 8) {
      bytes[end++] = buffer & 0xff;
      buffer >>>= 8;
      used -= 8;
    }
  }
  if (used > 0) bytes[end++] = buffer & 0xff;
  return end;
}
