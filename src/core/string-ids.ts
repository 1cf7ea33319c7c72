import { tailHash } from './tail-hash.ts';

/** The first capacity of a table unless told otherwise: 64 slots, doubled whenever it is half full. */
const FIRST_BITS = 6;
/**
 * Once lookups have met this many slots whose value shares the looked-up value's hash without being it (plus
 * one per value held), the values are moved into a `Map` of strings: values made to end alike cannot make a
 * lookup cost more than a `Map`'s.
 */
const COLLISIONS_MAX = 256;

/**
 * Ids of strings, `values[id]` being the string of id `id`: a string column's dictionary, or the event ids a batch
 * has accepted. A `Map` or `Set` of strings hashes every fresh string over all its characters (36 for a UUID, 64
 * for a user hash), and a string fresh from JSON.parse has no hash yet. Here a value's first slot comes from its
 * `tailHash`, and the table is probed in line in typed arrays; a value met in a slot of the same hash is compared
 * whole with `values`, so the answer is exact whatever the values (docs/benchmarks.md, ingest).
 */
export class StringIds {
  private bits: number;
  private hashes: Int32Array;
  /** The id at each slot; -1 where the slot is empty. */
  private ids: Int32Array;
  private size = 0;
  private collisions = 0;
  /** Every value's id, once too many values have shared hashes; then the only table. */
  private crowded: Map<string, number> | null = null;

  /**
   * The caller appends each new value to `values` and calls `add` with its index. `bits`: the table starts with
   * 2^bits slots (a table's `capacityBits` when it was last done with, for one that will hold as much: growing
   * rehashes every value held, some 12 ns each).
   */
  constructor(
    private readonly values: readonly string[],
    bits = FIRST_BITS,
  ) {
    this.bits = Math.min(Math.max(bits, FIRST_BITS), 30);
    this.hashes = new Int32Array(1 << this.bits);
    this.ids = new Int32Array(1 << this.bits).fill(-1);
  }

  /** The table's size, as a power of two. */
  get capacityBits(): number {
    return this.bits;
  }

  get(value: string): number | undefined {
    if (this.crowded !== null) return this.crowded.get(value);
    const hash = tailHash(value);
    const ids = this.ids;
    const mask = ids.length - 1;
    for (let slot = hash >>> (30 - this.bits); ; slot = (slot + 1) & mask) {
      const id = ids[slot] as number;
      if (id < 0) return undefined;
      if (this.hashes[slot] === hash) {
        if (this.values[id] === value) return id;
        if (++this.collisions > COLLISIONS_MAX + this.size) return this.crowd().get(value);
      }
    }
  }

  /**
   * The id of `value` when present; else -1, having recorded that `value` has id `id` (at least 0). One hash and
   * one probe, for a table that is mostly asked about new values (a batch's event ids).
   */
  getOrAdd(value: string, id: number): number {
    if (this.crowded !== null) {
      const known = this.crowded.get(value);
      if (known !== undefined) return known;
      this.crowded.set(value, id);
      return -1;
    }
    if (2 * (this.size + 1) > this.ids.length) this.grow();
    const hash = tailHash(value);
    const ids = this.ids;
    const mask = ids.length - 1;
    let slot = hash >>> (30 - this.bits);
    for (; ; slot = (slot + 1) & mask) {
      const known = ids[slot] as number;
      if (known < 0) break;
      if (this.hashes[slot] === hash) {
        if (this.values[known] === value) return known;
        if (++this.collisions > COLLISIONS_MAX + this.size)
          return this.crowd().get(value) ?? this.getOrAdd(value, id);
      }
    }
    this.hashes[slot] = hash;
    ids[slot] = id;
    this.size++;
    return -1;
  }

  /** Records that `value`, not yet present, has id `id` (at least 0). */
  add(value: string, id: number): void {
    if (this.crowded !== null) {
      this.crowded.set(value, id);
      return;
    }
    if (2 * (this.size + 1) > this.ids.length) this.grow();
    this.place(tailHash(value), id);
    this.size++;
  }

  private place(hash: number, id: number): void {
    const mask = this.ids.length - 1;
    let slot = hash >>> (30 - this.bits);
    while ((this.ids[slot] as number) >= 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.ids[slot] = id;
  }

  private grow(): void {
    const hashes = this.hashes;
    const ids = this.ids;
    this.bits++;
    this.hashes = new Int32Array(1 << this.bits);
    this.ids = new Int32Array(1 << this.bits).fill(-1);
    for (let slot = 0; slot < ids.length; slot++) {
      const id = ids[slot] as number;
      if (id >= 0) this.place(hashes[slot] as number, id);
    }
  }

  private crowd(): Map<string, number> {
    const crowded = new Map<string, number>();
    for (const id of this.ids) if (id >= 0) crowded.set(this.values[id] as string, id);
    this.crowded = crowded;
    return crowded;
  }
}
