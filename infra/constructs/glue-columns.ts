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

/**
 * Partition projection on `dt` (`YYYY-MM-DD`, one partition a day, keys `<location>dt=<day>/`): Athena computes the
 * partitions from a query's dt filter instead of a crawler or `MSCK REPAIR TABLE` registering them. The range runs
 * from `earliestDay` (no event is older) to NOW+1DAYS (an event's ts may lie up to 24 h ahead).
 */
export function dayProjection(location: string, earliestDay: string): Record<string, string> {
  const dt = 'dt';
  return {
    'projection.enabled': 'true',
    [`projection.${dt}.type`]: 'date',
    [`projection.${dt}.format`]: 'yyyy-MM-dd',
    [`projection.${dt}.range`]: `${earliestDay},NOW+1DAYS`,
    [`projection.${dt}.interval`]: '1',
    [`projection.${dt}.interval.unit`]: 'DAYS',
    // `$\{` is a literal `${`: the value ends in `dt=${dt}/`, Athena's placeholder, filled per partition.
    'storage.location.template': `${location}${dt}=$\{${dt}}/`,
  };
}

/** Table parameters every lake table shares: Parquet files, GZIP-compressed (src/core/lake/parquet-file.ts). */
export const PARQUET_PARAMETERS = {
  classification: 'parquet',
  'parquet.compression': 'GZIP',
} as const;
