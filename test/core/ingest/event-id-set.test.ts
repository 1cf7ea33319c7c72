import { describe, expect, it } from 'vitest';
import { EventIdSet } from '../../../src/core/ingest/event-id-set.ts';
import { tailHash } from '../../../src/core/tail-hash.ts';
import { Random } from '../../../src/demo/random.ts';

// EventIdSet answers like a Set of strings: true for an id not seen yet, false for a repeat. Its table is keyed by a
// hash of an id's length and last 8 characters, so these cases aim at what the table must still tell apart.

/** Every add's answer from both sets, for the same ids. */
function answers(ids: readonly string[]): { got: boolean[]; want: boolean[] } {
  const set = new EventIdSet();
  const reference = new Set<string>();
  return {
    got: ids.map((id) => set.add(id)),
    want: ids.map((id) => {
      const size = reference.size;
      reference.add(id);
      return reference.size !== size;
    }),
  };
}

describe('EventIdSet', () => {
  it('UUIDv7 ids with repeats near and far: the answers of a Set', () => {
    const ids = Array.from(
      { length: 5_000 },
      (_, i) => `0190a1b2-c3d4-7e5f-8a9b-${i.toString(16).padStart(12, '0')}`,
    );
    const stream = [...ids, ...ids.filter((_, i) => i % 7 === 0), ...ids.slice(0, 10)];
    const { got, want } = answers(stream);
    expect(got).toEqual(want);
    expect(got.filter((added) => !added)).toHaveLength(stream.length - ids.length);
  });

  it('ids that end alike, differing only at the front: each is new once', () => {
    // The same last 8 characters and length: one hash, so each id is compared whole with the ones before it.
    const ids = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(4, 'x')}-same-end-12345678`);
    const { got, want } = answers([...ids, ...ids.reverse()]);
    expect(got).toEqual(want);
    expect(got.slice(0, 40).every(Boolean)).toBe(true);
    expect(got.slice(40).some(Boolean)).toBe(false);
  });

  it('more ids ending alike than the table compares before it turns into a Map', () => {
    const ids = Array.from({ length: 700 }, (_, i) => `${String(i).padStart(5, 'x')}-same-end-12345678`);
    const { got, want } = answers([...ids, ...ids.slice(0, 100), 'new-at-the-end', ...ids.slice(-3)]);
    expect(got).toEqual(want);
    expect(got.filter(Boolean)).toHaveLength(701);
  });

  it('ids of the same last characters and different lengths, and short ids', () => {
    const { got, want } = answers(['abcdefgh', 'Xabcdefgh', 'XXabcdefgh', 'abcdefgh', 'ab', 'b', 'ab', '']);
    expect(got).toEqual(want);
    expect(got).toEqual([true, true, true, false, true, true, false, true]);
  });

  it('ids whose hashes collide: told apart whole', () => {
    // Two different ids of one hash (found by trying): both are new, and each repeat is seen.
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    // Ids with random 12-hex-digit ends, as UUIDs have (a fixed-seed generator): among some 40,000 two share a
    // hash about half the time, among 400,000 all but surely.
    const random = new Random(12345);
    const hex = () => random.int(0, 0xffffff).toString(16).padStart(6, '0');
    for (let i = 0; pair === null && i < 400_000; i++) {
      const id = `0190a1b2-c3d4-7e5f-8a9b-${hex()}${hex()}`;
      const key = tailHash(id);
      const other = seen.get(key);
      if (other !== undefined) pair = [other, id];
      else seen.set(key, id);
    }
    expect(pair).not.toBeNull();
    const [a, b] = pair as [string, string];
    const { got } = answers([a, b, a, b]);
    expect(got).toEqual([true, true, false, false]);
  });
});
