import { tailHash } from '../tail-hash.ts';

/** Ids whose bucket holds more than this many are kept in a `Set` of their own (see `EventIdSet`). */
const LIST_MAX = 8;

/**
 * The event ids a batch has accepted, to drop repeats. A `Set` of the id strings hashes every id once, and an id
 * fresh from JSON.parse has no hash yet: computing it over the 36 characters of a UUID was most of the set's
 * cost (docs/benchmarks.md, ingest). Here an id's bucket is a small integer made of its last 8 characters (the
 * random end of a UUIDv7), looked up in a `Map` of integers, and the ids in a bucket are compared whole, so the
 * answer is exact whatever the ids. A bucket that many ids share (ids made to end alike) turns into a `Set`, so
 * such a batch costs what a `Set` of strings would.
 */
export class EventIdSet {
  private readonly buckets = new Map<number, string | string[] | Set<string>>();

  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    const key = tailHash(id);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, id);
      return true;
    }
    if (typeof bucket === 'string') {
      if (bucket === id) return false;
      this.buckets.set(key, [bucket, id]);
      return true;
    }
    if (Array.isArray(bucket)) {
      if (bucket.includes(id)) return false;
      if (bucket.length < LIST_MAX) bucket.push(id);
      else this.buckets.set(key, new Set([...bucket, id]));
      return true;
    }
    const size = bucket.size;
    bucket.add(id);
    return bucket.size !== size;
  }
}
