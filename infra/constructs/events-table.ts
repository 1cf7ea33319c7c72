import { EVENT_LIMITS } from '@tokenledger/client/contract';
import { Aws } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EVENT_COLUMNS, PARTITION_COLUMN } from '../../src/core/lake/event-columns.ts';
import {
  dayProjection,
  type GlueColumn,
  glueColumns,
  lakeLocation,
  PARQUET_PARAMETERS,
  parquetStorage,
} from './glue-columns.ts';
import type { LakeDatabase } from './lake-database.ts';
import { checkPattern } from './prop-checks.ts';

export type { GlueColumn } from './glue-columns.ts';

/** Key prefix of valid events in the lake bucket (docs/contracts.md §4). */
export const EVENTS_PREFIX = 'events/';

/** The first `dt` partition: the UTC day of the earliest `ts` the event contract accepts. */
export const EARLIEST_DT = new Date(EVENT_LIMITS.earliestTs).toISOString().slice(0, 10);

/** The events table's data columns, in Parquet file order, derived from EVENT_COLUMNS (never by hand). */
export function eventsTableColumns(): GlueColumn[] {
  return glueColumns(EVENT_COLUMNS);
}

/** The events table's partition keys: `dt`, the UTC date of `ts`, from the object key. */
export function eventsTablePartitionKeys(): GlueColumn[] {
  return glueColumns([PARTITION_COLUMN]);
}

/** `s3://<bucket>/events/` for a bucket name (a token is fine). */
export function eventsTableLocation(bucketName: string): string {
  return lakeLocation(bucketName, EVENTS_PREFIX);
}

/**
 * Table parameters of the events table: Parquet, and partition projection on `dt` so Athena computes the
 * partitions from the date range instead of a crawler or `MSCK REPAIR TABLE` registering them. The range
 * starts on the day of the earliest `ts` the event contract accepts (2024-01-01, `EVENT_LIMITS.earliestTs`), so
 * a query without a dt filter lists a few years of days rather than decades of empty ones, and no stored event
 * lies outside it; it ends at NOW+1DAYS because an event's `ts` may lie up to 24 h after ingest
 * (docs/contracts.md §2). queries/tables/events.hql spells the same range; a test compares the two.
 */
export function eventsTableParameters(bucketName: string): Record<string, string> {
  return { ...PARQUET_PARAMETERS, ...dayProjection(eventsTableLocation(bucketName), EARLIEST_DT) };
}

export interface EventsTableProps {
  /** The Glue database the table belongs to. */
  readonly database: LakeDatabase;
  /** The lake bucket; the table reads `s3://<bucket>/events/`. */
  readonly lakeBucket: IBucket;
  /**
   * Name of the table.
   *
   * @default 'events'
   */
  readonly tableName?: string;
}

/**
 * The Glue `events` table over the Parquet files under `events/dt=YYYY-MM-DD/` (docs/contracts.md §4). Columns come
 * from EVENT_COLUMNS, the one definition the Parquet writer also follows, so the two cannot drift.
 */
export class EventsTable extends Construct {
  /** The table name. */
  public readonly tableName: string;
  /** The L1 table resource. */
  public readonly table: CfnTable;

  constructor(scope: Construct, id: string, props: EventsTableProps) {
    super(scope, id);
    this.tableName = props.tableName ?? 'events';
    checkPattern(
      this,
      `EventsTable ${id}`,
      'tableName',
      this.tableName,
      /^[a-z][a-z0-9_]{0,254}$/,
      'lower-case letters, digits and _, starting with a letter, at most 255 characters',
    );
    const bucketName = props.lakeBucket.bucketName;

    this.table = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.database.databaseName,
      tableInput: {
        name: this.tableName,
        description:
          'Valid LLM request events, one row per request (docs/contracts.md §2), partitioned by UTC date of ts',
        tableType: 'EXTERNAL_TABLE',
        parameters: eventsTableParameters(bucketName),
        partitionKeys: eventsTablePartitionKeys(),
        storageDescriptor: parquetStorage(eventsTableColumns(), eventsTableLocation(bucketName)),
      },
    });
    this.table.addResourceDependency(props.database.database);
  }
}
