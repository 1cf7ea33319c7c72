import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { MetricType, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { otlpSettingsEnvironment, parseOtlpSettings } from '../../src/core/otlp/otlp-settings.ts';
import { grantBucketKey } from './bucket-key.ts';
import { EVENTS_PREFIX } from './events-table.ts';
import { FailedRecordsDestination } from './failed-records-destination.ts';
import { checkDuration, checkInteger, validationError } from './prop-checks.ts';
import { tokenledgerFunction } from './tokenledger-function.ts';
import type { UserHmacSecret } from './user-hmac-secret.ts';

/** Key prefix of rejected events in the lake bucket (docs/contracts.md §4). */
export const QUARANTINE_PREFIX = 'quarantine/';

/**
 * The shards a reservation is sized for, when the deployer asks for one: an on-demand stream starts with 4 shards,
 * each processed by `parallelizationFactor` concurrent invocations, and 10 leaves room for the stream to more than
 * double before the mapping is throttled (docs/deploying.md "Reserved concurrency and the account quota").
 */
export const RESERVED_CONCURRENCY_SHARDS = 10;

/** The largest reserved concurrency the ingest function accepts. */
export const MAX_INGEST_RESERVED_CONCURRENCY = 1000;

export interface IngestFunctionProps {
  /** The stream the function consumes. */
  readonly stream: IStream;
  /** The lake bucket; the function writes `events/` and `quarantine/` only. */
  readonly lakeBucket: IBucket;
  /** Where the event source mapping puts batches it gives up on (retries or record age exhausted). */
  readonly failedRecordsBucket: IBucket;
  /**
   * Function memory in MB (CPU scales with it; Parquet encoding and gzip are CPU-bound).
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Function timeout.
   *
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
  /**
   * How long the function's log group keeps logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * X-Ray tracing mode.
   *
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
  /**
   * Concurrency reserved for (and capping) the function: the stream consumer is never starved by other
   * functions of the account, and cannot starve them. Lambda keeps 100 of the account's concurrency unreserved,
   * and a new account's quota is often 10, so any reservation fails a fresh account's first deploy: the default
   * reserves none. Once the quota is raised, RESERVED_CONCURRENCY_SHARDS (10) × parallelizationFactor is a good
   * value. Context `ingestReservedConcurrency` (a whole number, or `none`) sets it for the app; `null` is none.
   *
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number | null;
  /**
   * Most records per invocation (1-10000).
   *
   * @default 1000
   */
  readonly batchSize?: number;
  /**
   * How long to gather records before invoking (0-300 s).
   *
   * @default Duration.seconds(5)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Retries of a failed batch before it goes to the failed-records bucket; finite (0-10000). Bisected
   * halves do not count against it.
   *
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the failed-records bucket instead of the function (60 s - 7 days);
   * keep it below the stream's retention.
   *
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Batches processed concurrently per shard (1-10). Above 1, records of a shard are no longer processed
   * strictly in order (per partition key order is kept).
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * The span (else resource) attribute holding an OTLP span's feature. Context `otlpFeatureAttribute`; checked, as
   * the other three, by parseOtlpSettings (src/core/otlp/otlp-settings.ts), the schema the function reads its
   * environment with.
   *
   * @default 'tokenledger.feature'
   */
  readonly otlpFeatureAttribute?: string;
  /**
   * The span (else resource) attribute holding an OTLP span's cohort.
   *
   * @default 'tokenledger.cohort'
   */
  readonly otlpCohortAttribute?: string;
  /**
   * The span (else resource) attribute holding an OTLP span's customer id.
   *
   * @default 'tokenledger.customer_id'
   */
  readonly otlpCustomerAttribute?: string;
  /**
   * The attributes holding a span's raw end-user id, first found wins (1-8; a comma-separated text or a list). The
   * id is hashed under the key of `userHmacSecret` and never stored.
   *
   * @default ['enduser.id']
   */
  readonly otlpUserAttributes?: string | readonly string[];
  /**
   * The secret holding the key end-user ids of spans are hashed under: the function may read it
   * (`secretsmanager:GetSecretValue`, and `kms:Decrypt` through Secrets Manager for a customer managed key), and
   * finds it in `USER_HMAC_SECRET`. The ingest stack creates or imports it.
   */
  readonly userHmacSecret: UserHmacSecret;
}

/**
 * The ingest Lambda (`lambdas/ingest/handler.ts`) and the Kinesis event source mapping that feeds it.
 *
 * The mapping reads from TRIM_HORIZON, reports partial batch failures, bisects a failing batch, retries
 * a finite number of times, drops records past a maximum age, and sends what it gives up on to an S3
 * bucket, and publishes its EventCount metrics. The function has reserved concurrency only when asked, and may
 * write and read (for its existence check) only `events/*` and `quarantine/*` of the lake bucket, and read the
 * user-id HMAC secret (its OTLP settings and that secret reach it as OTLP_* and USER_HMAC_SECRET); its role has
 * no AWS-managed policy, only write access to its own log group.
 */
export class IngestFunction extends Construct {
  /** The function. */
  public readonly function: NodejsFunction;
  /** The function's execution role. */
  public readonly role: Role;
  /** The function's log group. */
  public readonly logGroup: LogGroup;
  /** The Kinesis event source (its `eventSourceMappingId` names the mapping). */
  public readonly eventSource: KinesisEventSource;
  /** The X-Ray tracing mode (anything but DISABLED adds `xray:Put*` on `*` to the role). */
  public readonly tracing: Tracing;
  /** The function's reserved concurrency; undefined when it has none. */
  public readonly reservedConcurrentExecutions: number | undefined;
  /** The lake objects the function may write and read: `events/*` and `quarantine/*`. */
  public readonly lakeObjectArns: readonly string[];
  /** The objects of the failed-records bucket the event source mapping writes to (`<bucket>/*`). */
  public readonly failedRecordObjectArns: readonly string[];

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    const owner = `IngestFunction ${id}`;
    const memorySize = props.memorySize ?? 1024;
    const timeout = props.timeout ?? Duration.minutes(2);
    const batchSize = props.batchSize ?? 1000;
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(5);
    const retryAttempts = props.retryAttempts ?? 10;
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(6);
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    checkInteger(this, owner, 'memorySize', memorySize, 128, 10240);
    checkDuration(this, owner, 'timeout', timeout, Duration.seconds(1), Duration.minutes(15));
    checkInteger(this, owner, 'batchSize', batchSize, 1, 10000);
    checkDuration(
      this,
      owner,
      'maxBatchingWindow',
      maxBatchingWindow,
      Duration.seconds(0),
      Duration.minutes(5),
    );
    checkInteger(this, owner, 'retryAttempts', retryAttempts, 0, 10000);
    checkDuration(this, owner, 'maxRecordAge', maxRecordAge, Duration.seconds(60), Duration.days(7));
    checkInteger(this, owner, 'parallelizationFactor', parallelizationFactor, 1, 10);
    const reserved = props.reservedConcurrentExecutions ?? undefined;
    if (reserved !== undefined) {
      checkInteger(this, owner, 'reservedConcurrentExecutions', reserved, 1, MAX_INGEST_RESERVED_CONCURRENCY);
    }
    this.reservedConcurrentExecutions = reserved;
    let otlp: Record<string, string>;
    try {
      const { otlpFeatureAttribute, otlpCohortAttribute, otlpCustomerAttribute, otlpUserAttributes } = props;
      otlp = otlpSettingsEnvironment(
        parseOtlpSettings(
          { otlpFeatureAttribute, otlpCohortAttribute, otlpCustomerAttribute, otlpUserAttributes },
          'context',
        ),
      );
    } catch (err) {
      throw validationError(this, `${owner}: ${(err as Error).message}`);
    }

    this.tracing = props.tracing ?? Tracing.DISABLED;

    const built = tokenledgerFunction(this, {
      lambda: 'ingest',
      description:
        'tokenledger ingest: Kinesis request events -> Parquet under events/, rejects under quarantine/',
      roleDescription: 'tokenledger ingest: read the event stream, write events/ and quarantine/ of the lake',
      memorySize,
      timeout,
      logRetention: props.logRetention,
      tracing: this.tracing,
      ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
      environment: {
        LAKE_BUCKET: props.lakeBucket.bucketName,
        POWERTOOLS_SERVICE_NAME: 'tokenledger-ingest',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        USER_HMAC_SECRET: props.userHmacSecret.secretId,
        ...otlp,
      },
    });
    this.logGroup = built.logGroup;
    this.role = built.role;
    this.function = built.function;

    // Write only the two prefixes the handler owns. The existence check before a write (a redelivered batch finds
    // its object) lists the key as a prefix: s3:ListBucket, conditioned on those prefixes; no read of any object.
    this.lakeObjectArns = [EVENTS_PREFIX, QUARANTINE_PREFIX].map((prefix) =>
      props.lakeBucket.arnForObjects(`${prefix}*`),
    );
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [...this.lakeObjectArns] }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${EVENTS_PREFIX}*`, `${QUARANTINE_PREFIX}*`] } },
      }),
    );

    grantBucketKey(this.role, props.lakeBucket, 'write');
    // The user-id HMAC key, read once per cold start.
    props.userHmacSecret.grantRead(this.role);
    // The event source mapping writes discarded batches with this role (kms:GenerateDataKey on an SSE-KMS bucket).
    grantBucketKey(this.role, props.failedRecordsBucket, 'write');
    const failedRecords = new FailedRecordsDestination(props.failedRecordsBucket);
    this.failedRecordObjectArns = [failedRecords.objectArns];
    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize,
      maxBatchingWindow,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts,
      maxRecordAge,
      parallelizationFactor,
      onFailure: failedRecords,
      // The mapping's EventCount metrics (AWS/Lambda, by EventSourceMappingUUID), OnFailureDestinationDeliveredEventCount
      // and DroppedEventCount among them: the alarms on batches sent to the failed-records bucket, or lost.
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    });
    this.function.addEventSource(this.eventSource);
  }
}
