import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/core/lake/event-columns.ts';
import { StorageOrderTracker, storageOrder } from '../../src/core/lake/storage-order.ts';
import { Random } from '../../src/demo/random.ts';

// The events files' row order: ts, then event_id, then input position (docs/contracts.md). The answer is checked
// against a plain comparator sort, on input already in order (the usual batch), shuffled input with many tied
// timestamps (the packed-key sort and its tie runs), and a span of ts too wide to pack with the positions.

function row(ts: number, event_id: string): EventRow {
  return { ts, event_id } as EventRow;
}

function reference(rows: readonly EventRow[]): number[] {
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = rows[a] as EventRow;
      const rb = rows[b] as EventRow;
      if (ra.ts !== rb.ts) return ra.ts - rb.ts;
      if (ra.event_id !== rb.event_id) return ra.event_id < rb.event_id ? -1 : 1;
      return a - b;
    });
}

/** A deterministic shuffle (the demo's seeded generator). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = new Random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const base = Date.parse('2026-11-02T00:00:00Z');

describe('storageOrder', () => {
  it('a batch already in time order keeps its order', () => {
    const rows = Array.from({ length: 1_000 }, (_, i) =>
      row(base + i * 7, `id-${String(i).padStart(4, '0')}`),
    );
    expect(storageOrder(rows)).toEqual(rows.map((_, i) => i));
  });

  it('a batch in ts order with ties whose ids are the other way round: only the ties move', () => {
    const rows = [
      row(base, 'a'),
      row(base + 1, 'c'),
      row(base + 1, 'b'),
      row(base + 2, 'd'),
      row(base + 3, 'z'),
      row(base + 3, 'y'),
      row(base + 3, 'x'),
    ];
    expect(storageOrder(rows)).toEqual([0, 2, 1, 3, 6, 5, 4]);
    expect(storageOrder(rows)).toEqual(reference(rows));
  });

  it('shuffled rows with tied timestamps: ts, then event_id', () => {
    // 3,000 rows over 200 distinct ms: every ts is tied, and ids within a tie are out of order.
    const rows = shuffled(
      Array.from({ length: 3_000 }, (_, i) => row(base + (i % 200), `id-${(i * 7919) % 3_001}`)),
      7,
    );
    const order = storageOrder(rows);
    expect(order).toEqual(reference(rows));
    const sorted = order.map((i) => rows[i] as EventRow);
    expect(sorted.every((r, k) => k === 0 || (sorted[k - 1] as EventRow).ts <= r.ts)).toBe(true);
  });

  it('the same rows in any input order give the same rows in the same order', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(base + (i % 50), `id-${i}`));
    const inOrder = (input: EventRow[]) => storageOrder(input).map((i) => input[i]);
    expect(inOrder(shuffled(rows, 1))).toEqual(inOrder(shuffled(rows, 2)));
  });

  it('repeated rows (same ts and event_id) keep their input order', () => {
    const rows = [
      row(base + 5, 'b'),
      row(base + 5, 'a'),
      row(base + 5, 'b'),
      row(base, 'z'),
      row(base + 5, 'a'),
    ];
    expect(storageOrder(rows)).toEqual([3, 1, 4, 0, 2]);
  });

  it('timestamps spanning 2^52 ms with 4,097 rows (keys wider than 64 bits): the comparator order', () => {
    const rows = shuffled(
      Array.from({ length: 4_097 }, (_, i) => row(i % 2 === 0 ? i : 2 ** 52 - i, `id-${i % 13}`)),
      3,
    );
    expect(storageOrder(rows)).toEqual(reference(rows));
  });

  it('no rows and one row', () => {
    expect(storageOrder([])).toEqual([]);
    expect(storageOrder([row(base, 'only')])).toEqual([0]);
  });
});

describe('StorageOrderTracker', () => {
  /** What the tracker, shown the rows one by one, gives as their order (null: not in time order). */
  function tracked(rows: readonly EventRow[]): number[] | null {
    const tracker = new StorageOrderTracker();
    for (const r of rows) tracker.see(r);
    const order = tracker.storageOrder(rows);
    return order === null ? null : Array.from(order);
  }

  it('gives storageOrder’s answer for rows in time order, ties and repeats in any order; null otherwise', () => {
    const random = new Random(77);
    for (let trial = 0; trial < 600; trial++) {
      const n = random.int(0, 14);
      // Few distinct ts and ids, so that ties and repeats are common; in time order two times in three.
      const rows = Array.from({ length: n }, () => row(base + random.int(0, 3), `id-${random.int(0, 3)}`));
      if (random.int(0, 2) > 0) rows.sort((a, b) => a.ts - b.ts);
      const inTimeOrder = rows.every((r, i) => i === 0 || r.ts >= (rows[i - 1] as EventRow).ts);
      const label = rows.map((r) => `${r.ts - base} ${r.event_id}`).join(', ');
      expect([label, tracked(rows)]).toEqual([label, inTimeOrder ? storageOrder(rows) : null]);
    }
  });

  it('a large batch in time order with a few ties out of id order: only those runs move', () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => row(base + Math.floor(i / 3), `id-${(i * 7) % 5}`));
    expect(tracked(rows)).toEqual(storageOrder(rows));
    expect(tracked(rows)).not.toEqual(rows.map((_, i) => i));
  });

  it('a ts that is not a number, or rows other than those it saw: no order', () => {
    expect(tracked([row(Number.NaN, 'a')])).toBeNull();
    expect(tracked([row(base, 'a'), row(Number.NaN, 'b')])).toBeNull();
    const tracker = new StorageOrderTracker();
    tracker.see(row(base, 'a'));
    expect(tracker.storageOrder([row(base, 'a'), row(base + 1, 'b')])).toBeNull();
  });
});
