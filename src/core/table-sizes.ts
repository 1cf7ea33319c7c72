/** No table starts larger than this (2^17 slots), whatever the one before it grew to. */
const HINT_BITS_MAX = 17;

const sizes = new Map<string, number>();

/**
 * The size, as a power of two, that the last table of this name had when it was done with: a column's dictionary
 * in the last file, the id set of the last batch. Files and batches come alike one after another, so the next
 * table of the name starts at that size rather than growing to it (each doubling rehashes every value held,
 * about 12 ns each: docs/benchmarks.md, ingest). Only a hint: a table still grows as it must, and one that
 * needs less wastes at most a few MiB.
 */
export function tableBits(name: string): number | undefined {
  return sizes.get(name);
}

/** Records the size a table of this name ended with (see `tableBits`). */
export function rememberTableBits(name: string, bits: number): void {
  sizes.set(name, Math.min(bits, HINT_BITS_MAX));
}
