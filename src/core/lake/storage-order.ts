import { capacityFor } from './column-scratch.ts';
import type { EventRow } from './event-columns.ts';

/**
 * The rows' positions in (ts, event_id) order, event ids compared by UTF-16 code units (`<`); rows tied on both
 * (only repeated events, which the consumer drops before writing) keep their input order. The same rows give the
 * same order, whatever order they came in.
 *
 * Time order, not label order: a batch arrives nearly in time order (`ts` is when a call started, and clients
 * send a call when it ends), so the writer reads the rows about in the order they were made, and the order costs
 * one pass when the batch's `ts` never decreases (ties then put in event_id order), else a native sort of packed
 * keys (docs/benchmarks.md, ingest). With ZSTD pages it stores about as small: the label columns' dictionary
 * indexes grow, and the timestamps and UUIDv7 event ids, each close to the one before, shrink by nearly as much.
 */
export function storageOrder(rows: readonly EventRow[]): number[] {
  const n = rows.length;
  const order = new Array<number>(n);
  let inTimeOrder = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (inTimeOrder && i > 0) inTimeOrder = (rows[i] as EventRow).ts >= (rows[i - 1] as EventRow).ts;
  }
  if (inTimeOrder) {
    orderTies(rows, order);
    return order;
  }
  return orderByPackedKeys(rows) ?? order.sort((a, b) => compareRows(rows, a, b));
}

/**
 * Follows rows as they are appended, to give their storage order without a pass over them: a batch built row by
 * row shows it each row while the row is fresh. A batch arrives about in time order (see above); while `ts` never
 * decreases, the tracker notes where a run of rows of one `ts` holds event ids out of order (UUIDv7 ids made in
 * the same millisecond are random after it), and the order is then the input order with those runs sorted.
 */
export class StorageOrderTracker {
  /** Whether `ts` never decreased (nor was not a number) in the rows seen. */
  inTimeOrder = true;
  /** Where each run of rows of one `ts` whose event ids are not increasing begins (positions in the rows seen). */
  private readonly tieRuns: number[] = [];
  private seen = 0;
  private runStart = 0;
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastId = '';

  see(row: EventRow): void {
    const i = this.seen++;
    if (!this.inTimeOrder) return;
    const ts = row.ts;
    if (ts > this.lastTs) this.runStart = i;
    else if (ts === this.lastTs) {
      if (!(row.event_id > this.lastId) && this.tieRuns[this.tieRuns.length - 1] !== this.runStart)
        this.tieRuns.push(this.runStart);
    } else {
      this.inTimeOrder = false;
      return;
    }
    this.lastTs = ts;
    this.lastId = row.event_id;
  }

  /**
   * The storage order of `rows`, which must be the rows this tracker saw, in the order it saw them (what
   * `storageOrder` gives), or null when they did not come in time order (then `storageOrder` must sort them).
   */
  storageOrder(rows: readonly EventRow[]): ArrayLike<number> | null {
    if (!this.inTimeOrder || rows.length !== this.seen) return null;
    if (this.tieRuns.length === 0) return inputOrder(rows.length);
    const order = inputOrder(rows.length).slice();
    for (const start of this.tieRuns) {
      const ts = (rows[start] as EventRow).ts;
      let end = start + 1;
      while (end < rows.length && (rows[end] as EventRow).ts === ts) end++;
      sortRun(rows, order, start, end);
    }
    return order;
  }
}

/** `0, 1, …, n - 1`, a view of one array kept for every call. */
export function inputOrder(n: number): Int32Array {
  if (identity.length < n) {
    identity = new Int32Array(capacityFor(n));
    for (let i = 0; i < identity.length; i++) identity[i] = i;
  }
  return identity.subarray(0, n);
}

let identity = new Int32Array(0);

/** Puts `order[start..end)`, positions of rows tied on `ts`, in (ts, event_id, position) order. */
function sortRun(rows: readonly EventRow[], order: number[] | Int32Array, start: number, end: number): void {
  const run = order.slice(start, end).sort((a, b) => compareRows(rows, a, b));
  for (let k = 0; k < run.length; k++) order[start + k] = run[k] as number;
}

function compareRows(rows: readonly EventRow[], a: number, b: number): number {
  const ra = rows[a] as EventRow;
  const rb = rows[b] as EventRow;
  if (ra.ts !== rb.ts) return ra.ts - rb.ts;
  if (ra.event_id !== rb.event_id) return ra.event_id < rb.event_id ? -1 : 1;
  return a - b;
}

/**
 * The order by a native sort of 64-bit keys, `ts - min(ts) | position`, rather than a comparator called some 14
 * times a row; rows tied on ts are then put in event_id order. Null when the keys do not fit in 64 bits (the
 * span of ts within 53 bits, positions within 32) or a ts is not a whole number.
 */
function orderByPackedKeys(rows: readonly EventRow[]): number[] | null {
  const n = rows.length;
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = (rows[i] as EventRow).ts;
    if (!Number.isSafeInteger(t)) return null;
    if (t < minTs) minTs = t;
    if (t > maxTs) maxTs = t;
  }
  const positionBits = bitsFor(n - 1);
  const tsBits = bitsFor(maxTs - minTs);
  if (!littleEndian || tsBits > 53 || positionBits > 32 || tsBits + positionBits > 64) return null;
  // key = (ts - min) · 2^positionBits + position, split into 32-bit words.
  const keys = new BigUint64Array(n);
  const words = new Uint32Array(keys.buffer);
  const lowTsBits = 32 - positionBits;
  const lowTsScale = 2 ** lowTsBits;
  const positionScale = 2 ** positionBits;
  for (let i = 0; i < n; i++) {
    const high = (rows[i] as EventRow).ts - minTs;
    const lowPart = high % lowTsScale;
    words[2 * i] = lowPart * positionScale + i;
    words[2 * i + 1] = (high - lowPart) / lowTsScale;
  }
  keys.sort();
  const order = new Array<number>(n);
  const positionMask = positionBits === 32 ? 0xffffffff : positionScale - 1;
  for (let i = 0; i < n; i++) order[i] = ((words[2 * i] as number) & positionMask) >>> 0;
  orderTies(rows, order);
  return order;
}

/** Rows already in `ts` order: each run of equal `ts` put in event_id order (then input order). */
function orderTies(rows: readonly EventRow[], order: number[]): void {
  const n = order.length;
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    if (
      i < n &&
      (rows[order[i] as number] as EventRow).ts === (rows[order[runStart] as number] as EventRow).ts
    )
      continue;
    if (i - runStart > 1) sortRun(rows, order, runStart, i);
    runStart = i;
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bits needed for a non-negative integer (0 for 0). */
function bitsFor(value: number): number {
  let bits = 0;
  while (bits < 64 && 2 ** bits <= value) bits++;
  return bits;
}
