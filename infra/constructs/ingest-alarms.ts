import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { subscribeEmail } from './alarm-topic.ts';
import { anyCountAlarm, notifyTopic } from './failure-alarms.ts';
import { checkDuration, checkInteger, checkPattern, validationError } from './prop-checks.ts';

/** Namespace of the metrics the ingest function's log lines are turned into. */
export const INGEST_METRICS_NAMESPACE = 'tokenledger/ingest';

/**
 * The log events the ingest metrics are read from: the `ingest batch` line the handler logs once per batch
 * (src/jobs/ingest-job.ts), a Powertools JSON line whose top-level `events` and `quarantined` are the
 * batch's counts.
 */
export const INGEST_BATCH_PATTERN = FilterPattern.stringValue('$.message', '=', 'ingest batch');

/** The window the quarantine rate is computed over. */
export const QUARANTINE_RATE_PERIOD = Duration.minutes(15);

/** The window the event source mapping's failed and dropped records are summed over. */
export const FAILED_RECORDS_PERIOD = Duration.minutes(5);

export interface IngestAlarmsProps {
  /** The ingest function whose stream lag is watched. */
  readonly function: IFunction;
  /** The id (UUID) of the function's Kinesis event source mapping, which publishes its EventCount metrics. */
  readonly eventSourceMappingId: string;
  /** The function's log group, where its `ingest batch` lines are. */
  readonly logGroup: ILogGroup;
  /**
   * Alarm when the age of the oldest record the function received (IteratorAge, Maximum) exceeds this,
   * i.e. ingestion has fallen this far behind the stream.
   *
   * @default Duration.minutes(5) (300000 ms)
   */
  readonly iteratorAgeThreshold?: Duration;
  /**
   * Consecutive one-minute periods above the threshold before the alarm fires.
   *
   * @default 3
   */
  readonly iteratorAgeEvaluationPeriods?: number;
  /**
   * Alarm when more than this share of the events the function read in 15 minutes were quarantined
   * (0 < rate < 1).
   *
   * @default 0.05 (5 %)
   */
  readonly quarantineRateThreshold?: number;
  /**
   * Fewer events than this in 15 minutes and the quarantine rate is not judged (a few bad test events in a
   * quiet quarter hour are not an incident).
   *
   * @default 100
   */
  readonly quarantineRateMinEvents?: number;
  /**
   * E-mail address subscribed to the alarm topic.
   *
   * @default - no subscription; subscribe to `topic` yourself
   */
  readonly alarmEmail?: string;
}

/**
 * Alarms on the ingest path and the SNS topic they notify (alarm and OK):
 * - iterator age: the function has fallen behind the stream;
 * - failed records: the event source mapping gave up on a batch and wrote it to the failed-records bucket
 *   (`OnFailureDestinationDeliveredEventCount` ≥ 1);
 * - dropped records: it gave up on records and could not write them there either, so they are lost
 *   (`DroppedEventCount` ≥ 1);
 * - quarantine rate: quarantined ÷ events over 15 minutes, from metric filters on the function's
 *   `ingest batch` log lines, above a threshold.
 *
 * The topic is encrypted with a customer-managed KMS key (CloudWatch cannot publish to a topic under the
 * AWS-managed `alias/aws/sns` key) whose policy lets CloudWatch of this account use it, and the topic policy
 * refuses publishing without TLS. Every alarm treats missing data as not breaching: no traffic, no alarm.
 */
export class IngestAlarms extends Construct {
  /** The topic alarms notify. */
  public readonly topic: Topic;
  /** The key that encrypts the topic. */
  public readonly topicKey: Key;
  /** Fires when the function falls behind the stream. */
  public readonly iteratorAgeAlarm: Alarm;
  /** Fires when the event source mapping sends a batch to the failed-records bucket. */
  public readonly failedRecordsAlarm: Alarm;
  /** Fires when the event source mapping drops records it could not send to the failed-records bucket. */
  public readonly droppedRecordsAlarm: Alarm;
  /** Fires when too large a share of the events read is quarantined. */
  public readonly quarantineRateAlarm: Alarm;
  /** Events read per batch (`$.events` of the `ingest batch` lines). */
  public readonly eventsFilter: MetricFilter;
  /** Events quarantined per batch (`$.quarantined` of the `ingest batch` lines). */
  public readonly quarantinedFilter: MetricFilter;
  /** OTLP spans read per batch, and those of them skipped for having no token usage (docs/otel.md). */
  public readonly spansFilter: MetricFilter;
  public readonly skippedSpansFilter: MetricFilter;

  constructor(scope: Construct, id: string, props: IngestAlarmsProps) {
    super(scope, id);
    const owner = `IngestAlarms ${id}`;
    const threshold = props.iteratorAgeThreshold ?? Duration.minutes(5);
    const evaluationPeriods = props.iteratorAgeEvaluationPeriods ?? 3;
    const quarantineRate = props.quarantineRateThreshold ?? 0.05;
    const minEvents = props.quarantineRateMinEvents ?? 100;
    checkDuration(this, owner, 'iteratorAgeThreshold', threshold, Duration.seconds(1), Duration.days(7));
    checkInteger(this, owner, 'iteratorAgeEvaluationPeriods', evaluationPeriods, 1, 1440);
    if (!(Number.isFinite(quarantineRate) && quarantineRate > 0 && quarantineRate < 1)) {
      throw validationError(
        this,
        `${owner}: quarantineRateThreshold must be a number between 0 and 1 (0.05 is 5 %), got ${quarantineRate}`,
      );
    }
    checkInteger(this, owner, 'quarantineRateMinEvents', minEvents, 1, 1_000_000_000);
    if (props.alarmEmail !== undefined) {
      checkPattern(this, owner, 'alarmEmail', props.alarmEmail, /^[^@\s]+@[^@\s]+$/, 'an e-mail address');
    }

    this.topicKey = new Key(this, 'TopicKey', {
      description: 'tokenledger: encrypts the ingest alarm topic',
      enableKeyRotation: true,
      // The key protects notifications in flight only; nothing durable is lost when it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.topic = new Topic(this, 'Topic', {
      displayName: 'tokenledger ingest alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (props.alarmEmail !== undefined) {
      subscribeEmail(this.topic, props.alarmEmail);
    }

    this.iteratorAgeAlarm = new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription:
        `tokenledger ingest is more than ${threshold.toHumanString()} behind the event stream ` +
        '(IteratorAge, Maximum). Check function errors and throttles (its reserved concurrency must cover the ' +
        "stream's shards × parallelization factor), and the failed-records bucket.",
      metric: props.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: threshold.toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      // No records, no IteratorAge data points: an idle stream is not a lagging one.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // EventCount metrics of the event source mapping (its MetricsConfig turns them on).
    const mappingMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { EventSourceMappingUUID: props.eventSourceMappingId },
        statistic: 'Sum',
        period: FAILED_RECORDS_PERIOD,
      });
    this.failedRecordsAlarm = anyCountAlarm(
      this,
      'FailedRecordsAlarm',
      mappingMetric('OnFailureDestinationDeliveredEventCount'),
      'tokenledger ingest gave up on records (retries or maximum record age exhausted) and wrote them to the ' +
        'failed-records bucket (OnFailureDestinationDeliveredEventCount >= 1 in 5 minutes). Their events are not ' +
        'in the lake: read the error in the function log group, fix it, and replay the objects of the bucket.',
    );
    this.droppedRecordsAlarm = anyCountAlarm(
      this,
      'DroppedRecordsAlarm',
      mappingMetric('DroppedEventCount'),
      'tokenledger ingest dropped records it gave up on without writing them to the failed-records bucket ' +
        '(DroppedEventCount >= 1 in 5 minutes): they are lost unless still in the stream. Check the ' +
        "function's DestinationDeliveryFailures and its permission on the failed-records bucket.",
    );

    // No default value: a log line other than `ingest batch` publishes nothing, so no traffic is no data.
    this.eventsFilter = new MetricFilter(this, 'EventsFilter', {
      logGroup: props.logGroup,
      filterPattern: INGEST_BATCH_PATTERN,
      metricNamespace: INGEST_METRICS_NAMESPACE,
      metricName: 'Events',
      metricValue: '$.events',
    });
    this.quarantinedFilter = new MetricFilter(this, 'QuarantinedFilter', {
      logGroup: props.logGroup,
      filterPattern: INGEST_BATCH_PATTERN,
      metricNamespace: INGEST_METRICS_NAMESPACE,
      metricName: 'QuarantinedEvents',
      metricValue: '$.quarantined',
    });
    // OTLP spans: how many came, and how many were not LLM calls (a Collector not filtering its pipeline).
    this.spansFilter = new MetricFilter(this, 'SpansFilter', {
      logGroup: props.logGroup,
      filterPattern: INGEST_BATCH_PATTERN,
      metricNamespace: INGEST_METRICS_NAMESPACE,
      metricName: 'Spans',
      metricValue: '$.spans',
    });
    this.skippedSpansFilter = new MetricFilter(this, 'SkippedSpansFilter', {
      logGroup: props.logGroup,
      filterPattern: INGEST_BATCH_PATTERN,
      metricNamespace: INGEST_METRICS_NAMESPACE,
      metricName: 'SkippedSpans',
      metricValue: '$.skippedSpans',
    });
    const sum = { statistic: 'Sum', period: QUARANTINE_RATE_PERIOD };
    const percent = Math.round(quarantineRate * 10000) / 100;
    this.quarantineRateAlarm = new Alarm(this, 'QuarantineRateAlarm', {
      alarmDescription:
        `tokenledger ingest quarantined more than ${percent} % of the events it read in 15 minutes (at least ` +
        `${minEvents} events read). Producers are sending events that fail validation: the reasons are counted ` +
        'in the ingest batch log lines, and the events are under quarantine/ of the lake.',
      metric: new MathExpression({
        expression: `IF(events >= ${minEvents}, quarantined / events, 0)`,
        usingMetrics: {
          events: this.eventsFilter.metric(sum),
          quarantined: this.quarantinedFilter.metric(sum),
        },
        label: 'quarantined / events',
        period: QUARANTINE_RATE_PERIOD,
      }),
      threshold: quarantineRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No batch, no log line, no data point: no traffic is not a high quarantine rate.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    notifyTopic(this.topic, this.alarms);
  }

  /** Every alarm of the ingest path. */
  get alarms(): Alarm[] {
    return [
      this.iteratorAgeAlarm,
      this.failedRecordsAlarm,
      this.droppedRecordsAlarm,
      this.quarantineRateAlarm,
    ];
  }
}
