/** The first capacity of a table unless told otherwise: 1,024 slots, doubled whenever it is half full. */
const FIRST_BITS = 10;
/** One number's bits, for hashing a value that is not a 32-bit integer. */
const bits = new Float64Array(1);
const halves = new Uint32Array(bits.buffer);

/**
 * A number column's dictionary ids by value, with a `Map`'s equality (NaN is one key, 0 and -0 are one), kept in
 * typed arrays probed in line: a `Map` of numbers cost about 30 ns a lookup on a column of 10,000 token counts,
 * most of them new, for a dictionary the size rule then turns down (docs/benchmarks.md, ingest).
 */
export class NumberIds {
  private bits: number;
  private keys: Float64Array;
  /** The id at each slot; -1 where the slot is empty. */
  private ids: Int32Array;
  private size = 0;
  private nanId = -1;

  /** `bits`: the table starts with 2^bits slots (see `StringIds`). */
  constructor(bits = FIRST_BITS) {
    this.bits = Math.min(Math.max(bits, FIRST_BITS), 30);
    this.keys = new Float64Array(1 << this.bits);
    this.ids = new Int32Array(1 << this.bits).fill(-1);
  }

  /** The table's size, as a power of two. */
  get capacityBits(): number {
    return this.bits;
  }

  get(value: number): number | undefined {
    if (Number.isNaN(value)) return this.nanId < 0 ? undefined : this.nanId;
    const mask = this.ids.length - 1;
    for (let slot = this.slotOf(value); ; slot = (slot + 1) & mask) {
      const id = this.ids[slot] as number;
      if (id < 0) return undefined;
      if (this.keys[slot] === value) return id;
    }
  }

  /** Records that `value`, not yet present, has id `id` (at least 0). */
  add(value: number, id: number): void {
    if (Number.isNaN(value)) {
      this.nanId = id;
      return;
    }
    if (2 * (this.size + 1) > this.ids.length) this.grow();
    this.place(value, id);
    this.size++;
  }

  private place(value: number, id: number): void {
    const mask = this.ids.length - 1;
    let slot = this.slotOf(value);
    while ((this.ids[slot] as number) >= 0) slot = (slot + 1) & mask;
    this.keys[slot] = value;
    this.ids[slot] = id;
  }

  private grow(): void {
    const keys = this.keys;
    const ids = this.ids;
    this.bits++;
    this.keys = new Float64Array(1 << this.bits);
    this.ids = new Int32Array(1 << this.bits).fill(-1);
    for (let slot = 0; slot < ids.length; slot++) {
      const id = ids[slot] as number;
      if (id >= 0) this.place(keys[slot] as number, id);
    }
  }

  /** The value's first slot: the top bits of a multiplicative hash (0 and -0 hash alike, as 32-bit integers). */
  private slotOf(value: number): number {
    let h: number;
    if ((value | 0) === value) h = Math.imul(value, 0x9e3779b1);
    else {
      bits[0] = value;
      h = Math.imul((halves[0] as number) ^ Math.imul(halves[1] as number, 0x85ebca6b), 0x9e3779b1);
    }
    return h >>> (32 - this.bits);
  }
}
