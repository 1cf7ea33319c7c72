import { StringIds } from '../string-ids.ts';
import { rememberTableBits, tableBits } from '../table-sizes.ts';

/** The name the id set's size is remembered under (see `tableBits`). */
const TABLE = 'event ids';

/**
 * The event ids a batch has accepted, to drop repeats: a `StringIds` table over the ids, which looks an id up by
 * its last characters (the random end of a UUIDv7) and compares ids whole, so the answer is a `Set`'s whatever
 * the ids (docs/benchmarks.md, ingest). It starts at the size the last batch's set grew to.
 */
export class EventIdSet {
  private readonly ids: string[] = [];
  private readonly table = new StringIds(this.ids, tableBits(TABLE));
  private bits = this.table.capacityBits;

  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.table.getOrAdd(id, this.ids.length) >= 0) return false;
    this.ids.push(id);
    if (this.table.capacityBits !== this.bits) {
      this.bits = this.table.capacityBits;
      rememberTableBits(TABLE, this.bits);
    }
    return true;
  }
}
