import { type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { IngestAlarms } from '../constructs/ingest-alarms.ts';
import { IngestFunction } from '../constructs/ingest-function.ts';

export interface IngestStackProps extends StackProps {
  /** The event stream (from the data stack). */
  readonly stream: IStream;
  /** The lake bucket (from the data stack). */
  readonly lakeBucket: IBucket;
  /** The failed-records bucket (from the data stack). */
  readonly failedRecordsBucket: IBucket;
  /**
   * Function memory in MB.
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
   * Retention of the function's log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * X-Ray tracing mode of the function.
   *
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
  /**
   * Concurrency reserved for (and capping) the function.
   *
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
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
   * Retries of a failing batch before it goes to the failed-records bucket (0-10000, never infinite).
   *
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the failed-records bucket (60 s - 7 days).
   *
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Batches processed concurrently per shard (1-10).
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * IteratorAge (Maximum) above which the lag alarm fires.
   *
   * @default Duration.minutes(5)
   */
  readonly iteratorAgeThreshold?: Duration;
  /**
   * Consecutive one-minute periods above the threshold before the lag alarm fires.
   *
   * @default 3
   */
  readonly iteratorAgeEvaluationPeriods?: number;
  /**
   * E-mail address subscribed to the alarm topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/**
 * The stateless half of the ingest path: the ingest function, its event source mapping and its alarms.
 * Redeploying it (new code, new settings) leaves the data stack alone. Each prop is described on
 * IngestFunctionProps / IngestAlarmsProps.
 */
export class IngestStack extends Stack {
  /** The ingest function and its event source mapping. */
  public readonly ingestFunction: IngestFunction;
  /** Alarms and the topic they notify. */
  public readonly ingestAlarms: IngestAlarms;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);

    this.ingestFunction = new IngestFunction(this, 'IngestFunction', {
      stream: props.stream,
      lakeBucket: props.lakeBucket,
      failedRecordsBucket: props.failedRecordsBucket,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetention: props.logRetention,
      tracing: props.tracing,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      retryAttempts: props.retryAttempts,
      maxRecordAge: props.maxRecordAge,
      parallelizationFactor: props.parallelizationFactor,
    });

    this.ingestAlarms = new IngestAlarms(this, 'IngestAlarms', {
      function: this.ingestFunction.function,
      iteratorAgeThreshold: props.iteratorAgeThreshold,
      iteratorAgeEvaluationPeriods: props.iteratorAgeEvaluationPeriods,
      alarmEmail: props.alarmEmail,
    });
  }
}
