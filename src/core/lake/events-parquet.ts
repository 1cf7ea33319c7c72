import { EVENT_CELLS, EVENT_COLUMNS, type EventRow } from './event-columns.ts';
import { writeParquetColumns } from './parquet-file.ts';

/**
 * Event rows as one Parquet file. Rows are sorted by the labels a report groups by, then time, so runs of
 * equal values compress to almost nothing; timestamps are delta-encoded, and so are event ids (UUIDv7 ids
 * share their time prefix): each about 1 byte less per event.
 */
export function eventsToParquet(rows: readonly EventRow[]): Uint8Array {
  return writeParquetColumns(EVENT_COLUMNS, eventColumnData(rows, storageOrder(rows)), {
    encodingOf: (column) =>
      column.parquet === 'TIMESTAMP'
        ? 'DELTA_BINARY_PACKED'
        : column.name === 'event_id'
          ? 'DELTA_BYTE_ARRAY'
          : undefined,
  });
}

/**
 * The rows' positions in (provider, model, feature, cohort, customer_id, ts, event_id) order, strings
 * compared by UTF-16 code units (`<`), a missing customer_id as ''. Each label is replaced by its rank among
 * the label's distinct values (a few dozen), so the sort compares numbers, and strings only to break ties of
 * ts, which are rare.
 */
function storageOrder(rows: readonly EventRow[]): number[] {
  const n = rows.length;
  const provider = ranks(rows, (r) => r.provider);
  const model = ranks(rows, (r) => r.model);
  const feature = ranks(rows, (r) => r.feature);
  const cohort = ranks(rows, (r) => r.cohort);
  const customer = ranks(rows, (r) => r.customer_id ?? '');
  // The five ranks as one group number: exact while the product of the distinct counts stays below 2^53.
  const group = new Float64Array(n);
  const levels = [provider, model, feature, cohort, customer];
  if (levels.reduce((p, l) => p * l.distinct, 1) < Number.MAX_SAFE_INTEGER) {
    for (let i = 0; i < n; i++) {
      let g = 0;
      for (const l of levels) g = g * l.distinct + (l.rank[i] as number);
      group[i] = g;
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
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = (rows[i] as EventRow).ts;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const byGroup = (group[a] as number) - (group[b] as number);
    if (byGroup !== 0) return byGroup;
    const byTs = (ts[a] as number) - (ts[b] as number);
    if (byTs !== 0) return byTs;
    const ea = (rows[a] as EventRow).event_id;
    const eb = (rows[b] as EventRow).event_id;
    return ea < eb ? -1 : ea > eb ? 1 : 0;
  });
  return order;
}

/** Each row's rank among the distinct values of a string field (in `<` order), and how many there are. */
function ranks(
  rows: readonly EventRow[],
  labelOf: (row: EventRow) => string,
): { rank: Uint32Array; distinct: number } {
  const ids = new Map<string, number>();
  const first = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = labelOf(rows[i] as EventRow);
    let id = ids.get(value);
    if (id === undefined) {
      id = ids.size;
      ids.set(value, id);
    }
    first[i] = id;
  }
  const sorted = [...ids.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rankOfId = new Uint32Array(sorted.length);
  sorted.forEach((value, rank) => {
    rankOfId[ids.get(value) as number] = rank;
  });
  for (let i = 0; i < first.length; i++) first[i] = rankOfId[first[i] as number] as number;
  return { rank: first, distinct: Math.max(sorted.length, 1) };
}

/**
 * The cells of each column (EVENT_COLUMNS order), rows taken in `order`: the same values as `cellOf`, read
 * column by column, one accessor each.
 */
function eventColumnData(rows: readonly EventRow[], order: readonly number[]): unknown[][] {
  const n = order.length;
  const sorted = new Array<EventRow>(n);
  for (let i = 0; i < n; i++) sorted[i] = rows[order[i] as number] as EventRow;
  return EVENT_COLUMNS.map((column) => {
    const cell = EVENT_CELLS[column.name];
    if (!cell) throw new Error(`events-parquet: no cell for column ${column.name}`);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = cell(sorted[i] as EventRow);
    return out;
  });
}
