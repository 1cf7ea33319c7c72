import { cellOf, EVENT_COLUMNS, type EventRow } from './event-columns.ts';
import { writeParquet } from './parquet-file.ts';

/**
 * Event rows as one Parquet file. Rows are sorted by the labels a report groups by, then time, so runs of
 * equal values compress to almost nothing; timestamps are delta-encoded, and so are event ids (UUIDv7 ids
 * share their time prefix): each about 1 byte less per event.
 */
export function eventsToParquet(rows: readonly EventRow[]): Uint8Array {
  return writeParquet(EVENT_COLUMNS, sortForStorage(rows), {
    cellOf,
    encodingOf: (column) =>
      column.parquet === 'TIMESTAMP'
        ? 'DELTA_BINARY_PACKED'
        : column.name === 'event_id'
          ? 'DELTA_BYTE_ARRAY'
          : undefined,
  });
}

/** Rows in (provider, model, feature, cohort, customer_id, ts) order, comparing one precomputed key per row. */
function sortForStorage(rows: readonly EventRow[]): EventRow[] {
  const keyed = rows.map((row) => ({
    row,
    key: `${row.provider}\u0000${row.model}\u0000${row.feature}\u0000${row.cohort}\u0000${row.customer_id ?? ''}\u0000${String(row.ts).padStart(15, '0')}\u0000${row.event_id}`,
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.row);
}
