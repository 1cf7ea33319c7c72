import { type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic.ts';
import { InvoiceFunction } from '../constructs/invoice-function.ts';

export interface InvoiceStackProps extends StackProps {
  /** The lake bucket (from the data stack). */
  readonly lakeBucket: IBucket;
  /**
   * Function memory in MB.
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Function timeout.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Lambda's retries of an invocation that failed on storage (0-2).
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * E-mail address subscribed to the alarm topic (context `alarmEmail`).
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/**
 * The stateless half of the invoice path: the invoice function, the S3 notifications of `invoices/<format>/`
 * that invoke it, its dead-letter queue and the alarm on it, and the topic that alarm notifies. The Glue tables
 * it writes for, and the lake itself, are in the data stack.
 */
export class InvoiceStack extends Stack {
  /** The invoice function and its notifications. */
  public readonly invoiceFunction: InvoiceFunction;
  /** The topic of the invoice function's alarm. */
  public readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: InvoiceStackProps) {
    super(scope, id, props);
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      displayName: 'tokenledger invoice alarms',
      keyDescription: 'tokenledger: encrypts the invoice alarm topic',
      alarmEmail: props.alarmEmail,
    });
    this.invoiceFunction = new InvoiceFunction(this, 'InvoiceFunction', {
      lakeBucket: props.lakeBucket,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetention: props.logRetention,
      retryAttempts: props.retryAttempts,
      alarmTopic: this.alarmTopic.topic,
    });
  }
}
