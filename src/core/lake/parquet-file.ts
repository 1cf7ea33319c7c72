import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { GZIP_PAGES } from './page-codec.ts';
import type { TableColumn } from './table-column.ts';

export interface ParquetOptions<R> {
  /** The value a row stores in a column. @default row[column.name] */
  cellOf?: (row: R, column: TableColumn) => unknown;
  /** Per-column encoding, where the default (dictionary, else plain) is not the best. */
  encodingOf?: (column: TableColumn) => 'DELTA_BINARY_PACKED' | 'DELTA_BYTE_ARRAY' | undefined;
}

/**
 * Rows as one Parquet file in a table's column order: GZIP (Athena and DuckDB read it; unlike Snappy it
 * entropy-codes random ids, about half their size), strings dictionary-encoded where that pays, timestamps as
 * real INT64 timestamps. The caller orders the rows; the same rows in the same order give the same bytes.
 */
export function writeParquet<R>(
  columns: readonly TableColumn[],
  rows: readonly R[],
  options: ParquetOptions<R> = {},
): Uint8Array {
  const cellOf =
    options.cellOf ?? ((row: R, column: TableColumn) => (row as Record<string, unknown>)[column.name]);
  return writeParquetColumns(
    columns,
    columns.map((column) => rows.map((row) => cellOf(row, column))),
    options,
  );
}

/** `writeParquet` for cells already laid out by column: `data[i]` holds column i's cells, row by row. */
export function writeParquetColumns(
  columns: readonly TableColumn[],
  data: readonly (readonly unknown[])[],
  options: Pick<ParquetOptions<never>, 'encodingOf'> = {},
): Uint8Array {
  const writer = new ByteWriter();
  const rows = data[0]?.length ?? 0;
  parquetWrite({
    writer,
    columnData: columns.map((column, i) => {
      const encoding = options.encodingOf?.(column);
      return {
        name: column.name,
        type: column.parquet,
        nullable: column.nullable,
        data: (column.parquet === 'INT64' ? int64Cells(data[i] as readonly unknown[]) : data[i]) as never,
        ...(encoding ? { encoding } : {}),
      };
    }),
    codec: 'GZIP',
    compressors: { GZIP: (page) => GZIP_PAGES.compress(page, rows) },
    rowGroupSize: 1_000_000,
    createdBy: 'tokenledger',
  });
  return new Uint8Array(writer.getBuffer());
}

/** INT64 cells as the writer takes them (bigint); numbers must be safe integers, or the write fails naming one. */
function int64Cells(cells: readonly unknown[]): (bigint | null)[] {
  return cells.map((cell) => {
    if (cell === null || cell === undefined) return null;
    if (typeof cell === 'bigint') return cell;
    if (typeof cell === 'number' && Number.isSafeInteger(cell)) return BigInt(cell);
    throw new RangeError(`an INT64 column holds ${String(cell)}, which is not a safe integer`);
  });
}
