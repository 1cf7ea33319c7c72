import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { TableColumn } from '../../src/core/lake/table-column.ts';

/** A Glue column as CloudFormation takes it. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/**
 * A lake table's Glue columns, in Parquet file order, from its TableColumn list — the one definition the
 * Parquet writer also follows — never written by hand.
 */
export function glueColumns(
  columns: readonly Pick<TableColumn, 'name' | 'glue' | 'comment'>[],
): GlueColumn[] {
  return columns.map((column) => ({ name: column.name, type: column.glue, comment: column.comment }));
}

/** `s3://<bucket>/<prefix>` for a bucket name (a token is fine) and a key prefix ending in `/`. */
export function lakeLocation(bucketName: string, prefix: string): string {
  return `s3://${bucketName}/${prefix}`;
}

/** Input/output formats and SerDe of every lake table: Parquet, read through Hive's Parquet SerDe. */
export function parquetStorage(
  columns: readonly GlueColumn[],
  location: string,
): CfnTable.StorageDescriptorProperty {
  return {
    columns: [...columns],
    location,
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serdeInfo: {
      serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      parameters: { 'serialization.format': '1' },
    },
  };
}

/** Table parameters every lake table shares: Parquet files, GZIP-compressed (src/core/lake/parquet-file.ts). */
export const PARQUET_PARAMETERS = {
  classification: 'parquet',
  'parquet.compression': 'GZIP',
} as const;
