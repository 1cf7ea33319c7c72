import { gzipSync } from 'node:zlib';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { cellOf, EVENT_COLUMNS, type EventRow } from './event-columns.ts';

/**
 * Writes event rows as one Parquet file: GZIP (Athena and DuckDB read it; unlike Snappy it entropy-codes the
 * random part of event ids, about half their size), strings dictionary-encoded where that pays (labels
 * always), `ts` and `received_at` as real INT64 timestamps in delta encoding. Rows are sorted by the labels a report
 * groups by, then time, so runs of equal values compress to almost nothing; the order is deterministic,
 * so the same rows always give the same bytes.
 */
export function eventsToParquet(rows: readonly EventRow[]): Uint8Array {
  const sorted = sortForStorage(rows);
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: EVENT_COLUMNS.map((column) => ({
      name: column.name,
      type: column.parquet,
      nullable: column.nullable,
      data: sorted.map((row) => cellOf(row, column)) as never,
      ...encodingOf(column.name, column.parquet),
    })),
    codec: 'GZIP',
    compressors: { GZIP: (input: Uint8Array) => gzipSync(input, { level: 6 }) },
    rowGroupSize: 1_000_000,
    createdBy: 'tokenledger',
  });
  return new Uint8Array(writer.getBuffer());
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

/** Timestamps as deltas; event ids (UUIDv7, time-prefixed) as shared prefixes: both about 1 byte less per event. */
function encodingOf(name: string, type: string): { encoding?: 'DELTA_BINARY_PACKED' | 'DELTA_BYTE_ARRAY' } {
  if (type === 'TIMESTAMP') return { encoding: 'DELTA_BINARY_PACKED' };
  if (name === 'event_id') return { encoding: 'DELTA_BYTE_ARRAY' };
  return {};
}
