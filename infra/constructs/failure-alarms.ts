import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An alarm that fires as soon as the metric counts one (≥ 1 in one period): a failure, a record given up on, a
 * message in a dead-letter queue. No data point (nothing happened) is not a failure.
 */
export function anyCountAlarm(scope: Construct, id: string, metric: IMetric, description: string): Alarm {
  return new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

/** Sends the alarms' ALARM and OK transitions to the topic. */
export function notifyTopic(topic: ITopic, alarms: readonly Alarm[]): void {
  const action = new SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}

export interface DeadLetterOptions {
  /** Lambda's retries of a failed asynchronous invocation (0–2). */
  readonly retryAttempts: number;
  /** How long Lambda keeps retrying an event. @default Lambda's (6 hours) */
  readonly maxEventAge?: Duration;
  /** What the dead-letter alarm tells whoever is paged: what was lost and how to replay it. */
  readonly alarmDescription: string;
}

/**
 * Where an asynchronously invoked function's failed events go after Lambda's retries: an encrypted, TLS-only
 * queue (`DeadLetterQueue`, messages kept 14 days — time to read the error and replay), and an alarm on any
 * message in it (`DeadLetterAlarm`), both created in `scope`.
 */
export function deadLetterQueue(
  scope: Construct,
  fn: IFunction,
  options: DeadLetterOptions,
): { queue: Queue; alarm: Alarm } {
  const queue = new Queue(scope, 'DeadLetterQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  fn.configureAsyncInvoke({
    retryAttempts: options.retryAttempts,
    ...(options.maxEventAge ? { maxEventAge: options.maxEventAge } : {}),
    onFailure: new SqsDestination(queue),
  });
  const alarm = anyCountAlarm(
    scope,
    'DeadLetterAlarm',
    queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
    options.alarmDescription,
  );
  return { queue, alarm };
}
