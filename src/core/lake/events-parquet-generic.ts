import { EVENT_CELLS, EVENT_COLUMNS, type EventRow } from './event-columns.ts';
import { writeParquetColumns } from './parquet-file.ts';
import { storageOrder } from './storage-order.ts';

/**
 * Event rows as one Parquet file through hyparquet-writer's generic writer: what `eventsToParquet` wrote before
 * it had a writer of its own (issue 14). Kept as the reference the events writer is tested against. Rows are in
 * time order (`storageOrder`); timestamps are delta-encoded, and so are event ids (UUIDv7 ids share their time
 * prefix).
 */
export function eventsToParquetGeneric(rows: readonly EventRow[]): Uint8Array {
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
