import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { checkPattern } from './prop-checks.ts';

export interface AlarmTopicProps {
  /** The topic's display name (the sender name of its e-mails). */
  readonly displayName: string;
  /** What the topic's key encrypts, for the key's description. */
  readonly keyDescription: string;
  /**
   * E-mail address subscribed to the topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Whether CloudWatch alarms of this account may publish (and use the key). A topic only a role of the app
   * publishes to (the spend alerts' pages) leaves it off: nothing else may publish.
   *
   * @default true
   */
  readonly cloudWatchAlarms?: boolean;
}

/**
 * An SNS topic that CloudWatch alarms notify: encrypted with a customer-managed key, rotated, that CloudWatch of
 * this account may use (it cannot publish under the AWS-managed `alias/aws/sns` key), and a policy that refuses
 * publishing without TLS and lets CloudWatch of this account publish.
 */
export class AlarmTopic extends Construct {
  /** The topic. */
  public readonly topic: Topic;
  /** The key that encrypts it. */
  public readonly topicKey: Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.alarmEmail !== undefined) {
      checkPattern(
        this,
        `${this.constructor.name} ${id}`,
        'alarmEmail',
        props.alarmEmail,
        /^[^@\s]+@[^@\s]+$/,
        'an e-mail address',
      );
    }
    this.topicKey = new Key(this, 'TopicKey', {
      description: props.keyDescription,
      enableKeyRotation: true,
      // The key protects notifications in flight only; nothing durable is lost when it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fromCloudWatch = {
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    };
    const cloudWatch = props.cloudWatchAlarms ?? true;
    if (cloudWatch) {
      this.topicKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarmsOfThisAccount',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          ...fromCloudWatch,
        }),
      );
    }
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (cloudWatch) {
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarmsOfThisAccount',
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          ...fromCloudWatch,
        }),
      );
    }
    if (props.alarmEmail !== undefined) subscribeEmail(this.topic, props.alarmEmail);
  }
}

/**
 * Subscribes an e-mail address to an alarm topic. The subscription has no redrive queue (cdk-nag's
 * Serverless-SNSRedrivePolicy, acknowledged here with the reason): SNS retries e-mail deliveries itself, and a
 * notification it still cannot deliver would sit in a queue nobody reads, while the alarm it tells of stays in
 * CloudWatch, in state ALARM, until it is dealt with.
 */
export function subscribeEmail(topic: ITopic, email: string): void {
  const subscription = topic.addSubscription(new EmailSubscription(email));
  Validations.of(subscription).acknowledge({
    id: 'Serverless-SNSRedrivePolicy',
    reason:
      'An e-mail subscription of an alarm topic: SNS retries e-mail deliveries, and an undeliverable alarm ' +
      'notification would sit in a queue nobody reads; the alarm itself stays in CloudWatch in state ALARM.',
  });
}
