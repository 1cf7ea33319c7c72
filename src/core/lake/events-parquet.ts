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
  const sorted = [...rows].sort(compareRows);
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: EVENT_COLUMNS.map((column) => ({
      name: column.name,
      type: column.parquet,
      nullable: column.nullable,
      data: sorted.map((row) => cellOf(row, column)) as never,
      ...(column.parquet === 'TIMESTAMP' ? { encoding: 'DELTA_BINARY_PACKED' as const } : {}),
    })),
    codec: 'GZIP',
    compressors: { GZIP: (input: Uint8Array) => gzipSync(input, { level: 6 }) },
    rowGroupSize: 1_000_000,
    createdBy: 'tokenledger',
  });
  return new Uint8Array(writer.getBuffer());
}

const SORT_KEYS = ['provider', 'model', 'feature', 'cohort', 'customer_id', 'ts', 'event_id'] as const;

function compareRows(a: EventRow, b: EventRow): number {
  for (const key of SORT_KEYS) {
    const x = a[key] ?? '';
    const y = b[key] ?? '';
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}
