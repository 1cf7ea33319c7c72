import { ByteWriter, schemaFromColumnData } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { type ColumnChunk, type SchemaElement, writeColumnChunk } from './column-chunk.ts';
import { deltaStringColumn, timestampColumn } from './delta-columns.ts';
import type { EncodedColumn } from './encoded-column.ts';
import { type EventCells, eventColumnCells, releaseColumnCells } from './event-column-cells.ts';
import { EVENT_COLUMNS, type EventColumn, type EventRow } from './event-columns.ts';
import { numberColumn } from './number-column.ts';
import { EVENT_PAGES, type PageCodec } from './page-codec.ts';
import { type StorageOrderTracker, storageOrder } from './storage-order.ts';
import { stringColumn } from './string-column.ts';

/** The file's schema: hyparquet-writer's, from the table's columns, as the generic writer builds it. */
const SCHEMA: SchemaElement[] = schemaFromColumnData({
  columnData: EVENT_COLUMNS.map((c) => ({ name: c.name, data: [], type: c.parquet, nullable: c.nullable })),
});
const MAGIC = 0x31524150; // "PAR1"

export interface EventsParquetOptions {
  /** @default ZSTD where Node has it, else GZIP */
  pages?: PageCodec;
  /**
   * A tracker that saw these rows, in this order, as they came: it gives their storage order without a pass over
   * them (else `storageOrder` makes one). The bytes are the same either way.
   */
  tracked?: StorageOrderTracker;
}

/**
 * Event rows as one Parquet file, one row group. Rows are in time order (`storageOrder`); timestamps are
 * delta-encoded, and so are event ids (UUIDv7 ids share their time prefix). Columns are encoded here, one pass
 * each over the ordered rows, and
 * written with hyparquet-writer's page header and metadata writers: the same schema, encodings and values as
 * its generic writer (`eventsToParquetGeneric`), without its per-value conversions, at a fraction of the cost
 * (docs/benchmarks.md, ingest). The same rows give the same bytes.
 */
export function eventsToParquet(rows: readonly EventRow[], options: EventsParquetOptions = {}): Uint8Array {
  const pages = options.pages ?? EVENT_PAGES;
  const n = rows.length;
  const cells = eventColumnCells(rows, options.tracked?.storageOrder(rows) ?? storageOrder(rows));

  const writer = new ByteWriter(n * 48 + 8192);
  writer.appendUint32(MAGIC);
  const columns: ColumnChunk[] = [];
  if (n > 0) {
    try {
      EVENT_COLUMNS.forEach((column, i) => {
        const encoded = encode(column, cells, n);
        columns.push(writeColumnChunk(writer, SCHEMA[i + 1] as SchemaElement, encoded, pages));
      });
    } finally {
      releaseColumnCells();
    }
  }
  let totalByteSize = 0n;
  for (const c of columns) totalByteSize += c.meta_data?.total_uncompressed_size ?? 0n;
  writeMetadata(writer, {
    version: 2,
    created_by: 'tokenledger',
    schema: SCHEMA,
    num_rows: BigInt(n),
    row_groups:
      n > 0
        ? [
            {
              columns,
              total_byte_size: totalByteSize,
              num_rows: BigInt(n),
              total_compressed_size: BigInt(writer.offset - 4),
            },
          ]
        : [],
    metadata_length: 0,
  });
  writer.appendUint32(MAGIC);
  return writer.getBytes();
}

function encode(column: EventColumn, cells: EventCells, n: number): EncodedColumn {
  const { name } = column;
  const numbers = cells.numbers.get(name);
  const strings = cells.strings.get(name);
  if (!numbers && !strings) throw new Error(`events-parquet: no cells for column ${name}`);
  switch (column.parquet) {
    case 'TIMESTAMP':
      if (!numbers) throw new Error(`events-parquet: column ${name} is not a number column`);
      return timestampColumn(numbers, n);
    case 'STRING':
      if (!strings) throw new Error(`events-parquet: column ${name} is not a string column`);
      return name === 'event_id'
        ? deltaStringColumn(strings as string[])
        : stringColumn(strings, column.nullable, name);
    case 'INT32':
    case 'DOUBLE':
      if (!numbers) throw new Error(`events-parquet: column ${name} is not a number column`);
      return numberColumn(numbers, n, column.parquet, column.nullable);
    default:
      throw new Error(`events-parquet: no encoder for ${column.parquet} (column ${column.name})`);
  }
}
