import type { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import type { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { EncodedColumn } from './encoded-column.ts';
import type { PageCodec } from './page-codec.ts';

/** File metadata as hyparquet-writer's metadata writer takes it (its own hyparquet's types). */
export type FileMetaData = Parameters<typeof writeMetadata>[1];
export type SchemaElement = FileMetaData['schema'][number];
export type ColumnChunk = FileMetaData['row_groups'][number]['columns'][number];
type CompressionCodec = NonNullable<ColumnChunk['meta_data']>['codec'];

/**
 * Pages smaller than this together are stored uncompressed (the chunk's codec is UNCOMPRESSED): a compressor
 * call costs more than it saves on a few dozen bytes, such as a label column of one RLE run.
 */
const COMPRESS_FROM_BYTES = 64;

/**
 * Writes one column chunk, its dictionary page (if any) and one DATA_PAGE_V2, with hyparquet-writer's page
 * header writer, and returns the chunk's metadata as hyparquet-writer's metadata writer takes it.
 */
export function writeColumnChunk(
  writer: ByteWriter,
  element: SchemaElement,
  column: EncodedColumn,
  pages: PageCodec,
): ColumnChunk {
  const { type } = element;
  if (!type) throw new Error(`column ${element.name} has no physical type`);
  const start = writer.offset;
  const compressed = column.page.length + (column.dictionary?.page.length ?? 0) >= COMPRESS_FROM_BYTES;
  const codec: CompressionCodec = compressed ? pages.codec : 'UNCOMPRESSED';
  const compress = (page: Uint8Array) => (compressed ? pages.compress(page, column.rows) : page);
  let uncompressed = 0;

  let dictionary_page_offset: bigint | undefined;
  if (column.dictionary) {
    dictionary_page_offset = BigInt(writer.offset);
    const body = compress(column.dictionary.page);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: column.dictionary.page.length,
      compressed_page_size: body.length,
      dictionary_page_header: { num_values: column.dictionary.count, encoding: 'PLAIN' },
    });
    uncompressed += writer.offset - headerStart + column.dictionary.page.length;
    writer.appendBytes(body);
  }

  const data_page_offset = BigInt(writer.offset);
  const body = compress(column.page);
  const headerStart = writer.offset;
  writePageHeader(writer, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: column.levels.length + column.page.length,
    compressed_page_size: column.levels.length + body.length,
    data_page_header_v2: {
      num_values: column.rows,
      num_nulls: column.nulls,
      num_rows: column.rows,
      encoding: column.encoding,
      definition_levels_byte_length: column.levels.length,
      repetition_levels_byte_length: 0,
      is_compressed: compressed,
    },
  });
  uncompressed += writer.offset - headerStart + column.levels.length + column.page.length;
  writer.appendBytes(column.levels);
  writer.appendBytes(body);

  return {
    meta_data: {
      type,
      encodings: column.dictionary ? ['PLAIN', column.encoding] : [column.encoding],
      path_in_schema: [element.name],
      codec,
      num_values: BigInt(column.rows),
      total_compressed_size: BigInt(writer.offset - start),
      total_uncompressed_size: BigInt(uncompressed),
      data_page_offset,
      dictionary_page_offset,
      statistics: column.statistics,
      encoding_stats: [
        ...(column.dictionary
          ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }]
          : []),
        { page_type: 'DATA_PAGE_V2', encoding: column.encoding, count: 1 },
      ],
    },
    file_offset: BigInt(start),
  };
}
