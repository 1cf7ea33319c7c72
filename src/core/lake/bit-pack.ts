/**
 * Packs `values[from..to)` LSB first, `bitWidth` bits each (at most 24), into `bytes` from `at`, as Parquet's
 * bit-packed runs and DELTA_BINARY_PACKED miniblocks store them; a position at or past `available` packs as 0.
 * Returns where the bytes end (a last partial byte included).
 *
 * Widths up to 4 (the dictionary indexes of label columns) go eight values at a time while eight are available:
 * they fill one 32-bit word, whose `bitWidth` bytes are then written by a loop of fixed length, where writing each
 * byte as it filled took a branch the processor mispredicted on about one value in three (docs/benchmarks.md,
 * ingest). The rest, and every wider value, goes a value at a time.
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
  let i = from;
  if (bitWidth > 0 && bitWidth <= 4) {
    // Whole groups of eight, every value of them available; each ends on a byte boundary.
    const whole = from + ((Math.max(from, Math.min(to, available)) - from) & ~7);
    for (; i < whole; i += 8) {
      const word =
        ((values[i] as number) & mask) |
        (((values[i + 1] as number) & mask) << bitWidth) |
        (((values[i + 2] as number) & mask) << (2 * bitWidth)) |
        (((values[i + 3] as number) & mask) << (3 * bitWidth)) |
        (((values[i + 4] as number) & mask) << (4 * bitWidth)) |
        (((values[i + 5] as number) & mask) << (5 * bitWidth)) |
        (((values[i + 6] as number) & mask) << (6 * bitWidth)) |
        (((values[i + 7] as number) & mask) << (7 * bitWidth));
      for (let b = 0; b < bitWidth; b++) bytes[end++] = (word >>> (b << 3)) & 0xff;
    }
  }
  let buffer = 0;
  let used = 0;
  for (; i < to; i++) {
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
