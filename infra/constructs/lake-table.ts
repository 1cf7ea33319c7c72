import { Aws } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PARTITION_COLUMN } from '../../src/core/lake/event-columns.ts';
import type { TableColumn } from '../../src/core/lake/table-column.ts';
import {
  dayProjection,
  glueColumns,
  lakeLocation,
  PARQUET_PARAMETERS,
  parquetStorage,
} from './glue-columns.ts';
import type { LakeDatabase } from './lake-database.ts';
import { checkPattern } from './prop-checks.ts';

export interface LakeTableProps {
  /** The Glue database the table belongs to. */
  readonly database: LakeDatabase;
  /** The lake bucket. */
  readonly lakeBucket: IBucket;
  /** Name of the table (`costs`, `prices`, `revenue`). */
  readonly tableName: string;
  /** Key prefix the table reads, ending in `/` (`costs/`). */
  readonly prefix: string;
  /** The table's columns in Parquet file order: the list the writer follows (COST_COLUMNS, …). */
  readonly columns: readonly TableColumn[];
  /** What a row is. */
  readonly description: string;
  /**
   * Partitioned by `dt` (UTC day, keys `<prefix>dt=YYYY-MM-DD/…`) with partition projection from `earliestDay`, as
   * the events table: for the rollup tables, which a report reads a month of.
   *
   * @default - not partitioned
   */
  readonly partitionedByDay?: { readonly earliestDay: string };
}

/**
 * A Glue table over the Parquet files under one prefix of the lake (partitioned by day or not), columns derived from the
 * TableColumn list the Parquet writer follows, so the two cannot drift.
 *
 * Files may sit in sub-folders of the prefix (`costs/<format>/<hash>.parquet`, `prices/default/…`): Athena
 * reads every object under a non-partitioned table's location prefix, sub-folders included, as the local
 * engine reads `<lake>/<table>/**\/*.parquet`. These tables hold invoice lines, prices and revenue rows —
 * thousands of rows a month, not millions — so partitions would prune nothing worth the bookkeeping.
 */
export class LakeTable extends Construct {
  /** The table name. */
  public readonly tableName: string;
  /** `s3://<lake>/<prefix>`. */
  public readonly location: string;
  /** The L1 table resource. */
  public readonly table: CfnTable;

  constructor(scope: Construct, id: string, props: LakeTableProps) {
    super(scope, id);
    const owner = `LakeTable ${id}`;
    this.tableName = props.tableName;
    checkPattern(
      this,
      owner,
      'tableName',
      this.tableName,
      /^[a-z][a-z0-9_]{0,254}$/,
      'lower-case letters, digits and _, starting with a letter, at most 255 characters',
    );
    checkPattern(
      this,
      owner,
      'prefix',
      props.prefix,
      /^([a-z0-9][a-z0-9_.-]*\/)+$/,
      'a key prefix ending in /',
    );
    this.location = lakeLocation(props.lakeBucket.bucketName, props.prefix);

    this.table = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.database.databaseName,
      tableInput: {
        name: this.tableName,
        description: props.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          ...PARQUET_PARAMETERS,
          ...(props.partitionedByDay ? dayProjection(this.location, props.partitionedByDay.earliestDay) : {}),
        },
        ...(props.partitionedByDay ? { partitionKeys: glueColumns([PARTITION_COLUMN]) } : {}),
        storageDescriptor: parquetStorage(glueColumns(props.columns), this.location),
      },
    });
    this.table.addResourceDependency(props.database.database);
  }
}
