import type { EventRow } from './event-columns.ts';

/**
 * The rows' positions in (provider, model, feature, cohort, customer_id, ts, event_id) order, strings
 * compared by UTF-16 code units (`<`), a missing customer_id as ''. Each label is replaced by its rank among
 * the label's distinct values (a few dozen), so the sort compares numbers, and strings only to break ties of
 * ts, which are rare. Labels and ts are read in one pass over the rows (each a monomorphic property load).
 */
export function storageOrder(rows: readonly EventRow[]): number[] {
  const n = rows.length;
  const labels = [
    new Array<string>(n),
    new Array<string>(n),
    new Array<string>(n),
    new Array<string>(n),
    new Array<string>(n),
  ] as const;
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as EventRow;
    labels[0][i] = r.provider;
    labels[1][i] = r.model;
    labels[2][i] = r.feature;
    labels[3][i] = r.cohort;
    labels[4][i] = r.customer_id ?? '';
    ts[i] = r.ts;
  }
  const levels = labels.map(ranks);
  // The five ranks as one group number: exact while the product of the distinct counts stays below 2^53.
  const group = new Float64Array(n);
  if (levels.reduce((p, l) => p * l.distinct, 1) < Number.MAX_SAFE_INTEGER) {
    group.set(levels[0]?.rank as Uint32Array);
    for (const level of levels.slice(1)) {
      const { rank, distinct } = level;
      for (let i = 0; i < n; i++) group[i] = (group[i] as number) * distinct + (rank[i] as number);
    }
  } else {
    // Too many distinct values for one exact number: groups numbered by sorting their rank tuples.
    const byTuple = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
      for (const l of levels) {
        const d = (l.rank[a] as number) - (l.rank[b] as number);
        if (d !== 0) return d;
      }
      return 0;
    });
    let g = 0;
    byTuple.forEach((row, k) => {
      const prev = byTuple[k - 1];
      if (prev !== undefined && levels.some((l) => l.rank[prev] !== l.rank[row])) g++;
      group[row] = g;
    });
  }
  const byEventId = (a: number, b: number) => {
    const ea = (rows[a] as EventRow).event_id;
    const eb = (rows[b] as EventRow).event_id;
    return ea < eb ? -1 : ea > eb ? 1 : 0;
  };
  const fast = orderByPackedKeys(group, ts, byEventId);
  if (fast) return fast;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const byGroup = (group[a] as number) - (group[b] as number);
    if (byGroup !== 0) return byGroup;
    const byTs = (ts[a] as number) - (ts[b] as number);
    if (byTs !== 0) return byTs;
    return byEventId(a, b);
  });
  return order;
}

/**
 * The (group, ts, event_id) order by a native sort of 64-bit keys, `group | ts - min(ts) | position`, rather
 * than a comparator called some 14 times a row; rows tied on group and ts (rare) are then put in event_id
 * order. Null when the keys do not fit in 64 bits (groups and the span of ts within 53, positions within 32).
 */
function orderByPackedKeys(
  group: Float64Array,
  ts: Float64Array,
  byEventId: (a: number, b: number) => number,
): number[] | null {
  const n = group.length;
  let maxGroup = 0;
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    const t = ts[i] as number;
    if (g > maxGroup) maxGroup = g;
    if (t < minTs) minTs = t;
    if (t > maxTs) maxTs = t;
    if (!Number.isInteger(t)) return null;
  }
  if (n === 0 || !Number.isSafeInteger(minTs) || !Number.isSafeInteger(maxTs)) return n === 0 ? [] : null;
  const positionBits = bitsFor(n - 1);
  const tsBits = bitsFor(maxTs - minTs);
  const groupBits = bitsFor(maxGroup);
  if (!littleEndian || groupBits + tsBits > 53 || positionBits > 32 || groupBits + tsBits + positionBits > 64)
    return null;
  // key = high · 2^(positionBits) + position, high = group · 2^tsBits + (ts - min): split into 32-bit words.
  const keys = new BigUint64Array(n);
  const words = new Uint32Array(keys.buffer);
  const tsScale = 2 ** tsBits;
  const lowHighBits = 32 - positionBits;
  const lowHighScale = 2 ** lowHighBits;
  const positionScale = 2 ** positionBits;
  for (let i = 0; i < n; i++) {
    const high = (group[i] as number) * tsScale + ((ts[i] as number) - minTs);
    const lowPart = high % lowHighScale;
    words[2 * i] = lowPart * positionScale + i;
    words[2 * i + 1] = (high - lowPart) / lowHighScale;
  }
  keys.sort();
  const order = new Array<number>(n);
  const positionMask = positionBits === 32 ? 0xffffffff : positionScale - 1;
  for (let i = 0; i < n; i++) order[i] = ((words[2 * i] as number) & positionMask) >>> 0;
  // Ties of group and ts: equal keys above the position bits; put each run in event_id order.
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    const same =
      i < n &&
      words[2 * i + 1] === words[2 * i - 1] &&
      (words[2 * i] as number) - ((words[2 * i] as number) & positionMask) ===
        (words[2 * i - 2] as number) - ((words[2 * i - 2] as number) & positionMask);
    if (same) continue;
    if (i - runStart > 1) {
      const run = order.slice(runStart, i).sort((a, b) => byEventId(a, b) || a - b);
      for (let k = 0; k < run.length; k++) order[runStart + k] = run[k] as number;
    }
    runStart = i;
  }
  return order;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bits needed for a non-negative integer (0 for 0). */
function bitsFor(value: number): number {
  let bits = 0;
  while (bits < 64 && 2 ** bits <= value) bits++;
  return bits;
}

/** Each value's rank among the distinct values (in `<` order), and how many there are. */
function ranks(values: readonly string[]): { rank: Uint32Array; distinct: number } {
  const ids = new Map<string, number>();
  const first = new Uint32Array(values.length);
  let last: string | undefined;
  let lastId = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string;
    if (value !== last) {
      let id = ids.get(value);
      if (id === undefined) {
        id = ids.size;
        ids.set(value, id);
      }
      last = value;
      lastId = id;
    }
    first[i] = lastId;
  }
  const sorted = [...ids.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rankOfId = new Uint32Array(sorted.length);
  sorted.forEach((value, rank) => {
    rankOfId[ids.get(value) as number] = rank;
  });
  for (let i = 0; i < first.length; i++) first[i] = rankOfId[first[i] as number] as number;
  return { rank: first, distinct: Math.max(sorted.length, 1) };
}
