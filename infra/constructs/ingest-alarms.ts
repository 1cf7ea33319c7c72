import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { checkDuration, checkInteger, checkPattern } from './prop-checks.ts';

export interface IngestAlarmsProps {
  /** The ingest function whose stream lag is watched. */
  readonly function: IFunction;
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
   * E-mail address subscribed to the alarm topic.
   *
   * @default - no subscription; subscribe to `topic` yourself
   */
  readonly alarmEmail?: string;
}

/**
 * Alarms on the ingest path and the SNS topic they notify. The topic is encrypted with a customer-managed
 * KMS key (CloudWatch cannot publish to a topic under the AWS-managed `alias/aws/sns` key) whose policy
 * lets CloudWatch of this account use it, and the topic policy refuses publishing without TLS.
 */
export class IngestAlarms extends Construct {
  /** The topic alarms notify. */
  public readonly topic: Topic;
  /** The key that encrypts the topic. */
  public readonly topicKey: Key;
  /** Fires when the function falls behind the stream. */
  public readonly iteratorAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: IngestAlarmsProps) {
    super(scope, id);
    const owner = `IngestAlarms ${id}`;
    const threshold = props.iteratorAgeThreshold ?? Duration.minutes(5);
    const evaluationPeriods = props.iteratorAgeEvaluationPeriods ?? 3;
    checkDuration(owner, 'iteratorAgeThreshold', threshold, Duration.seconds(1), Duration.days(7));
    checkInteger(owner, 'iteratorAgeEvaluationPeriods', evaluationPeriods, 1, 1440);
    if (props.alarmEmail !== undefined) {
      checkPattern(owner, 'alarmEmail', props.alarmEmail, /^[^@\s]+@[^@\s]+$/, 'an e-mail address');
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
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    this.iteratorAgeAlarm = new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription:
        `tokenledger ingest is more than ${threshold.toHumanString()} behind the event stream ` +
        '(IteratorAge, Maximum). Check function errors and throttles, and the failed-records bucket.',
      metric: props.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: threshold.toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      // No records, no IteratorAge data points: an idle stream is not a lagging one.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    this.iteratorAgeAlarm.addAlarmAction(action);
    this.iteratorAgeAlarm.addOkAction(action);
  }
}
