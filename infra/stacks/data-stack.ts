import { CfnOutput, type Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import { PRICE_COLUMNS } from '../../src/core/prices/price-book.ts';
import { REVENUE_COLUMNS } from '../../src/core/revenue/revenue.ts';
import { ROLLUP_TABLES } from '../../src/core/rollups/rollup-columns.ts';
import { AthenaViews } from '../constructs/athena-views.ts';
import { EventStream } from '../constructs/event-stream.ts';
import { EARLIEST_DT, EVENTS_PREFIX, EventsTable } from '../constructs/events-table.ts';
import { FinanceQueries } from '../constructs/finance-queries.ts';
import { LakeDatabase } from '../constructs/lake-database.ts';
import { LakeTable } from '../constructs/lake-table.ts';
import { PriceBookDeployment } from '../constructs/price-book-deployment.ts';
import { PrivateBucket } from '../constructs/private-bucket.ts';
import { validationError } from '../constructs/prop-checks.ts';
import { QueryWorkgroup } from '../constructs/query-workgroup.ts';

export interface DataStackProps extends StackProps {
  /**
   * Name of the event stream (context `streamName`). Changing it replaces the stream.
   *
   * @default 'tokenledger-events'
   */
  readonly streamName?: string;
  /**
   * Other AWS accounts whose apps put events on the stream (context `producerAccountIds`): the stack creates a role
   * they can assume, with the producer policy, and outputs its ARN as `ProducerRoleArn`.
   *
   * @default - none
   */
  readonly producerAccountIds?: readonly string[];
  /**
   * How long the event stream keeps a record.
   *
   * @default Duration.hours(24)
   */
  readonly streamRetention?: Duration;
  /**
   * Keep versions of lake objects (noncurrent versions expire after 30 days).
   *
   * @default true
   */
  readonly lakeVersioned?: boolean;
  /**
   * How the buckets that hold data — the lake, the Athena results, the failed records — are encrypted (context
   * `lakeEncryption`): `s3`, S3-managed keys (SSE-S3); `kms`, a customer managed KMS key (SSE-KMS with an S3 Bucket
   * Key), which the stack creates — rotated yearly, kept when the stack is deleted — unless `lakeEncryptionKey`
   * gives one. Every role of the app that reads or writes those buckets is granted the key, through S3 only.
   * The access-log bucket stays on SSE-S3: S3 server access logging cannot deliver to an SSE-KMS bucket.
   *
   * @default 's3', or 'kms' when `lakeEncryptionKey` is given
   */
  readonly lakeEncryption?: 's3' | 'kms';
  /**
   * An existing customer managed key to encrypt the data buckets with (implies `lakeEncryption: 'kms'`). Its key
   * policy must let the account's IAM policies grant its use (the default key policy does).
   *
   * @default - the stack creates a key when `lakeEncryption` is `kms`
   */
  readonly lakeEncryptionKey?: IKey;
  /**
   * Glue database name.
   *
   * @default 'tokenledger'
   */
  readonly databaseName?: string;
  /**
   * Athena workgroup name.
   *
   * @default 'tokenledger'
   */
  readonly workGroupName?: string;
  /**
   * Per-query scan limit of the Athena workgroup, in bytes.
   *
   * @default 10 GiB (10737418240 bytes)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * How long Athena query results are kept.
   *
   * @default Duration.days(30)
   */
  readonly queryResultsExpiration?: Duration;
  /**
   * How long S3 server access logs are kept.
   *
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;
}

/** A Glue table of the lake and the key prefix its data lives under (what Athena reads for it). */
export interface LakeTableSource {
  readonly tableName: string;
  /** Key prefix in the lake bucket, ending in `/` (`events/`). */
  readonly prefix: string;
}

/**
 * The stateful half: everything that holds data, deployed apart from code so a code deploy never touches it —
 * the stream, the buckets, the Glue database and tables (events, costs, prices, revenue), the default price book
 * in the lake, the Athena workgroup, its named queries and the views
 * (created through Athena on deploy), the prompt registry and the report deliveries ledger (DynamoDB). Every
 * bucket is RETAINed, private, TLS-only, encrypted and access-logged; every table is RETAINed, on-demand,
 * encrypted with the AWS-managed DynamoDB key, deletion-protected, with point-in-time recovery (35 days).
 */
export class DataStack extends Stack {
  /**
   * Kinesis stream of request events. A producer app, in this CDK app or a stack of its own, gets write access
   * with `eventStream.grantWrite(role)` (PutRecord and PutRecords on the stream, nothing else).
   */
  public readonly eventStream: EventStream;
  /** The customer managed key of the data buckets, when `lakeEncryption` is `kms`. */
  public readonly lakeKey?: IKey;
  /** S3 server access logs of every other bucket. */
  public readonly accessLogsBucket: PrivateBucket;
  /** The lake: events/, quarantine/, costs/, revenue/, prices/, reports/ (docs/contracts.md §4). */
  public readonly lakeBucket: PrivateBucket;
  /** Batches the ingest event source mapping gave up on, payloads included, for replay. */
  public readonly failedRecordsBucket: PrivateBucket;
  /** Glue database of the lake. */
  public readonly lakeDatabase: LakeDatabase;
  /** Glue table over events/. */
  public readonly eventsTable: EventsTable;
  /** Glue table over costs/ (normalised invoice lines, one sub-folder per invoice format). */
  public readonly costsTable: LakeTable;
  /** Glue table over prices/ (the default price book under prices/default/, and imported ones). */
  public readonly pricesTable: LakeTable;
  /** Glue table over revenue/. */
  public readonly revenueTable: LakeTable;
  /** Glue tables over rollups/ (docs/rollups.md): what the reports read instead of the events. */
  public readonly rollupTables: readonly LakeTable[];
  /** Uploads the default price book to prices/default/ on deploy. */
  public readonly priceBook: PriceBookDeployment;
  /** Athena workgroup and its results bucket. */
  public readonly queryWorkgroup: QueryWorkgroup;
  /** Named queries for finance in the workgroup. */
  public readonly financeQueries: FinanceQueries;
  /** The views of queries/views, created in the database through the workgroup on deploy. */
  public readonly athenaViews: AthenaViews;
  /** The lake's Glue tables and their key prefixes: what a query through the workgroup may read. */
  public readonly lakeTables: readonly LakeTableSource[];
  /**
   * The prompt registry (docs/contracts.md §8): one deploy record per prompt version, partition key `prompt_id`, sort key
   * `version` (strings), written append-only with conditional puts (src/adapters/dynamodb/dynamo-prompt-registry.ts).
   */
  public readonly promptRegistryTable: TableV2;
  /**
   * One item per report id (`governance-2026-11-26`), partition key `report_id` (string): the conditional write a
   * report job takes before it emails a report, so a report is emailed once however often its job runs.
   */
  public readonly reportDeliveriesTable: TableV2;

  constructor(scope: Construct, id: string, props: DataStackProps = {}) {
    super(scope, id, props);

    this.eventStream = new EventStream(this, 'EventStream', {
      retentionPeriod: props.streamRetention,
      streamName: props.streamName,
      producerAccountIds: props.producerAccountIds,
    });

    this.accessLogsBucket = new PrivateBucket(this, 'AccessLogsBucket', {
      expiration: props.accessLogsExpiration,
    });
    this.lakeKey = dataKey(this, props);
    this.lakeBucket = new PrivateBucket(this, 'LakeBucket', {
      serverAccessLogsBucket: this.accessLogsBucket,
      encryptionKey: this.lakeKey,
      serverAccessLogsPrefix: 'lake/',
      versioned: props.lakeVersioned ?? true,
    });
    this.failedRecordsBucket = new PrivateBucket(this, 'FailedRecordsBucket', {
      serverAccessLogsBucket: this.accessLogsBucket,
      encryptionKey: this.lakeKey,
      serverAccessLogsPrefix: 'failed-records/',
    });

    this.lakeDatabase = new LakeDatabase(this, 'LakeDatabase', { databaseName: props.databaseName });
    this.eventsTable = new EventsTable(this, 'EventsTable', {
      database: this.lakeDatabase,
      lakeBucket: this.lakeBucket,
    });

    const lakeTable = { database: this.lakeDatabase, lakeBucket: this.lakeBucket };
    this.costsTable = new LakeTable(this, 'CostsTable', {
      ...lakeTable,
      tableName: 'costs',
      prefix: 'costs/',
      columns: COST_COLUMNS,
      description:
        'Provider invoice lines normalised to FOCUS-aligned cost lines (docs/contracts.md §5), under costs/<format>/',
    });
    this.pricesTable = new LakeTable(this, 'PricesTable', {
      ...lakeTable,
      tableName: 'prices',
      prefix: 'prices/',
      columns: PRICE_COLUMNS,
      description:
        'List prices, USD per million tokens, effective-dated: the default price book and imported ones',
    });
    this.revenueTable = new LakeTable(this, 'RevenueTable', {
      ...lakeTable,
      tableName: 'revenue',
      prefix: 'revenue/',
      columns: REVENUE_COLUMNS,
      description: 'Revenue per month and customer, with its cohort; a later import restates its months',
    });
    this.rollupTables = ROLLUP_TABLES.map(
      (rollup) =>
        new LakeTable(this, pascal(rollup.table), {
          ...lakeTable,
          tableName: rollup.table,
          prefix: `${rollup.folder}/`,
          columns: rollup.columns,
          description: rollup.description,
          partitionedByDay: { earliestDay: EARLIEST_DT },
        }),
    );
    this.priceBook = new PriceBookDeployment(this, 'DefaultPriceBook', { lakeBucket: this.lakeBucket });

    this.queryWorkgroup = new QueryWorkgroup(this, 'QueryWorkgroup', {
      serverAccessLogsBucket: this.accessLogsBucket,
      workGroupName: props.workGroupName,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
      resultsExpiration: props.queryResultsExpiration,
      encryptionKey: this.lakeKey,
    });
    this.financeQueries = new FinanceQueries(this, 'FinanceQueries', {
      database: this.lakeDatabase,
      workgroup: this.queryWorkgroup,
    });
    this.athenaViews = new AthenaViews(this, 'AthenaViews', {
      database: this.lakeDatabase,
      workgroup: this.queryWorkgroup,
      tables: [
        this.eventsTable.table,
        this.costsTable.table,
        this.pricesTable.table,
        this.revenueTable.table,
        ...this.rollupTables.map((t) => t.table),
      ],
    });
    this.lakeTables = [
      { tableName: this.eventsTable.tableName, prefix: EVENTS_PREFIX },
      { tableName: this.costsTable.tableName, prefix: 'costs/' },
      { tableName: this.pricesTable.tableName, prefix: 'prices/' },
      { tableName: this.revenueTable.tableName, prefix: 'revenue/' },
      // The rollup tables all live under rollups/ (one grant for the report jobs, which also write there).
      ...ROLLUP_TABLES.map((r) => ({ tableName: r.table, prefix: 'rollups/' })),
    ];

    this.promptRegistryTable = new TableV2(this, 'PromptRegistryTable', {
      ...STATEFUL_TABLE,
      partitionKey: { name: 'prompt_id', type: AttributeType.STRING },
      sortKey: { name: 'version', type: AttributeType.STRING },
    });
    this.reportDeliveriesTable = new TableV2(this, 'ReportDeliveriesTable', {
      ...STATEFUL_TABLE,
      partitionKey: { name: 'report_id', type: AttributeType.STRING },
    });
    this.addOutputs();
  }

  /**
   * The stack's outputs, named for the apps and people that read them (docs/deploying.md "Outputs"). Their names
   * are part of the interface: test/infra/doc-outputs.test.ts checks the docs name only outputs that exist.
   */
  private addOutputs(): void {
    const outputs: [string, string, string][] = [
      ['StreamName', this.eventStream.stream.streamName, 'The event stream: createEmitter({ streamName })'],
      ['StreamArn', this.eventStream.stream.streamArn, 'ARN of the event stream'],
      [
        'ProducerPolicyArn',
        this.eventStream.producerPolicy.managedPolicyArn,
        'Managed policy to attach to a producer app role: PutRecord(s) and DescribeStreamSummary on the stream',
      ],
      [
        'LakeBucketName',
        this.lakeBucket.bucketName,
        'The lake: events/, quarantine/, costs/, revenue/, prices/, reports/',
      ],
      [
        'FailedRecordsBucketName',
        this.failedRecordsBucket.bucketName,
        'Batches the ingest event source mapping gave up on, for replay',
      ],
      ['AthenaWorkGroupName', this.queryWorkgroup.workGroupName, 'Athena workgroup to query the lake in'],
      ['GlueDatabaseName', this.lakeDatabase.databaseName, 'Glue database of the lake tables and views'],
      [
        'EventsTableName',
        this.eventsTable.tableName,
        'Glue table over events/ (query the events_dedup view)',
      ],
      ['CostsTableName', this.costsTable.tableName, 'Glue table over costs/'],
      ['PricesTableName', this.pricesTable.tableName, 'Glue table over prices/'],
      ['RevenueTableName', this.revenueTable.tableName, 'Glue table over revenue/'],
      [
        'PromptRegistryTableName',
        this.promptRegistryTable.tableName,
        'The prompt registry table, for the prompt-deploy pipeline that registers versions',
      ],
    ];
    if (this.lakeKey) {
      outputs.push([
        'LakeKeyArn',
        this.lakeKey.keyArn,
        'KMS key of the lake and query results: analysts need kms:Decrypt on it to query',
      ]);
    }
    const role = this.eventStream.producerRole;
    if (role) {
      outputs.push([
        'ProducerRoleArn',
        role.roleArn,
        'Role that producer apps of producerAccountIds assume to put events',
      ]);
    }
    for (const [id, value, description] of outputs) new CfnOutput(this, id, { value, description });
  }
}

/** `rollup_usage` → `RollupUsage`: a construct id. */
function pascal(name: string): string {
  return name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** The data buckets' customer managed key, or none (SSE-S3). */
function dataKey(scope: Construct, props: DataStackProps): IKey | undefined {
  if (props.lakeEncryptionKey) {
    if (props.lakeEncryption === 's3') {
      throw validationError(
        scope,
        "DataStack: lakeEncryptionKey is given but lakeEncryption is 's3'; give one or the other",
      );
    }
    return props.lakeEncryptionKey;
  }
  if (props.lakeEncryption !== 'kms') return undefined;
  return new Key(scope, 'LakeKey', {
    description: 'tokenledger: encrypts the lake, the Athena query results and the failed-records bucket',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * Settings shared by the tables: on-demand (a handful of writes a day), the AWS-managed key, point-in-time
 * recovery, and kept — CloudFormation refuses to delete them (deletion protection), and a stack delete leaves them.
 */
const STATEFUL_TABLE = {
  billing: Billing.onDemand(),
  encryption: TableEncryptionV2.awsManagedKey(),
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  deletionProtection: true,
  removalPolicy: RemovalPolicy.RETAIN,
} as const;
