import { tailHash } from '../tail-hash.ts';

/** Values whose bucket holds more than this many are looked up in a `Map` of their own. */
const LIST_MAX = 8;

/**
 * A string column's dictionary ids by value, for dictionaries too large to search by comparison: a `Map` of
 * strings would hash every fresh string over all its characters (a 64-character user hash, say); here a value's
 * bucket is its `tailHash`, and the values in a bucket are compared whole with the dictionary's, so the answer is
 * exact whatever the values. A bucket that many values share (values made to end alike) turns into a `Map` of
 * strings, so such a column costs what a `Map` would.
 */
export class DictionaryIds {
  private readonly buckets = new Map<number, number | number[] | Map<string, number>>();

  /** `dictionary[id]` is the value of id `id`; the caller appends to it and calls `add`. */
  constructor(private readonly dictionary: readonly string[]) {}

  get(value: string): number | undefined {
    const bucket = this.buckets.get(tailHash(value));
    if (bucket === undefined) return undefined;
    const dictionary = this.dictionary;
    if (typeof bucket === 'number') return dictionary[bucket] === value ? bucket : undefined;
    if (Array.isArray(bucket)) {
      for (const id of bucket) if (dictionary[id] === value) return id;
      return undefined;
    }
    return bucket.get(value);
  }

  /** Records that `value`, not yet present, has id `id`. */
  add(value: string, id: number): void {
    const key = tailHash(value);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, id);
    else if (typeof bucket === 'number') this.buckets.set(key, [bucket, id]);
    else if (!Array.isArray(bucket)) bucket.set(value, id);
    else if (bucket.length < LIST_MAX) bucket.push(id);
    else {
      const crowded = new Map<string, number>();
      for (const known of bucket) crowded.set(this.dictionary[known] as string, known);
      crowded.set(value, id);
      this.buckets.set(key, crowded);
    }
  }
}
