import { StringIds } from '../string-ids.ts';

/**
 * The event ids a batch has accepted, to drop repeats: a `StringIds` table over the ids, which looks an id up by
 * its last characters (the random end of a UUIDv7) and compares ids whole, so the answer is a `Set`'s whatever
 * the ids (docs/benchmarks.md, ingest).
 */
export class EventIdSet {
  private readonly ids: string[] = [];
  private readonly table = new StringIds(this.ids);

  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.table.getOrAdd(id, this.ids.length) >= 0) return false;
    this.ids.push(id);
    return true;
  }
}
