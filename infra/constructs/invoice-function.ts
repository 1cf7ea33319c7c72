import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INVOICE_FORMATS, type InvoiceFormat } from '../../src/core/costs/cost-line.ts';
import { INVOICES_PREFIX, REJECTED_PREFIX } from '../../src/jobs/invoice-object.ts';
import { grantBucketKey } from './bucket-key.ts';
import { deadLetterQueue, notifyTopic } from './failure-alarms.ts';
import { HelperRole } from './helper-role.ts';
import { checkDuration, checkInteger } from './prop-checks.ts';
import { tokenledgerFunction } from './tokenledger-function.ts';

/** Key prefix of the costs table in the lake bucket (docs/contracts.md §4). */
export const COSTS_PREFIX = 'costs/';

/** The folders an invoice is dropped into, one per format: each is one S3 notification filter. */
export function invoiceFolders(): string[] {
  return INVOICE_FORMATS.map((format: InvoiceFormat) => `${INVOICES_PREFIX}${format}/`);
}

export interface InvoiceFunctionProps {
  /** The lake bucket (of the data stack): invoices arrive in it, costs are written to it. */
  readonly lakeBucket: IBucket;
  /**
   * Function memory in MB (an invoice is parsed whole in memory).
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
   * How long the function's log group keeps logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * How often Lambda retries an invocation that failed (a storage error), 0-2.
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * The topic the dead-letter alarm notifies.
   *
   * @default - the alarm notifies nobody
   */
  readonly alarmTopic?: ITopic;
}

/**
 * The invoice Lambda (`lambdas/invoice/handler.ts`) and the S3 notifications that invoke it: one
 * `s3:ObjectCreated:*` filter per format folder (`invoices/openai-costs/`, `invoices/anthropic-cost-report/`,
 * `invoices/focus/`). `invoices/rejected/` matches none of them, and neither does `costs/`, so nothing the
 * function writes can invoke it again.
 *
 * An S3 notification is an asynchronous invocation: one that still fails after Lambda's retries goes to the
 * function's dead-letter queue (its on-failure destination: the S3 event and the error), which raises an alarm.
 *
 * The function may read and delete only objects of the three format folders, write only `invoices/rejected/*`
 * and `costs/*` (and read `costs/*` back, to skip a file already imported), and list key names so that a
 * missing key answers 404. Its role has no AWS-managed policy.
 *
 * The notifications are the bucket's notification configuration, but the bucket lives in the data stack and
 * the function here: CloudFormation cannot set them on the bucket without a dependency cycle between the
 * stacks, so CDK's bucket-notifications custom resource sets them from this stack, on the bucket imported by
 * name, merging with (not replacing) any other notification of the bucket. Its handler gets a role that may
 * only get and put that one bucket's notification configuration and write its own log group.
 */
export class InvoiceFunction extends Construct {
  /** The function. */
  public readonly function: NodejsFunction;
  /** The function's execution role. */
  public readonly role: Role;
  /** The function's log group. */
  public readonly logGroup: LogGroup;
  /** The lake as this stack sees it (imported by name), where the notifications are configured. */
  public readonly lakeBucket: IBucket;
  /** The role and log group of the bucket-notifications handler. */
  public readonly notificationsHandler: HelperRole;
  /** The format folders, each an S3 notification prefix filter. */
  public readonly invoiceFolders: readonly string[];
  /** Objects the function may read and delete: `invoices/<format>/*` of each format. */
  public readonly inboxObjectArns: readonly string[];
  /** Objects the function may write: `invoices/rejected/*` and `costs/*`. */
  public readonly outputObjectArns: readonly string[];
  /** Where Lambda puts an invocation (an S3 event) that failed after its retries, with the error. */
  public readonly deadLetterQueue: Queue;
  /** Fires when an invocation lands in the dead-letter queue. */
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: InvoiceFunctionProps) {
    super(scope, id);
    const owner = `InvoiceFunction ${id}`;
    const memorySize = props.memorySize ?? 1024;
    const timeout = props.timeout ?? Duration.minutes(5);
    const retryAttempts = props.retryAttempts ?? 2;
    checkInteger(this, owner, 'memorySize', memorySize, 128, 10240);
    checkDuration(this, owner, 'timeout', timeout, Duration.seconds(1), Duration.minutes(15));
    checkInteger(this, owner, 'retryAttempts', retryAttempts, 0, 2);

    this.notificationsHandler = new HelperRole(this, 'NotificationsHandler', {
      description: 'tokenledger: sets the invoice notifications of the lake bucket on deploy',
    });
    this.lakeBucket = Bucket.fromBucketAttributes(this, 'Lake', {
      bucketName: props.lakeBucket.bucketName,
      bucketArn: props.lakeBucket.bucketArn,
      encryptionKey: props.lakeBucket.encryptionKey,
      notificationsHandlerRole: this.notificationsHandler.helperRole,
    });
    const lakeBucket = this.lakeBucket;

    const built = tokenledgerFunction(this, {
      lambda: 'invoice',
      description:
        'tokenledger invoices: invoices/<format>/ -> Parquet cost lines under costs/<format>/, refused files to invoices/rejected/',
      roleDescription:
        'tokenledger invoices: read invoices/<format>/, write costs/ and invoices/rejected/ of the lake',
      memorySize,
      timeout,
      logRetention: props.logRetention,
      environment: {
        LAKE_BUCKET: lakeBucket.bucketName,
        POWERTOOLS_SERVICE_NAME: 'tokenledger-invoices',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.logGroup = built.logGroup;
    this.role = built.role;
    this.function = built.function;

    const failures = deadLetterQueue(this, this.function, {
      retryAttempts,
      alarmDescription:
        'tokenledger invoices: an invoice file was not imported, its invocation failed after Lambda retried it ' +
        `${retryAttempts} time(s) (a storage error, not a refused file). The message in the dead-letter queue holds ` +
        'the S3 event and the error; the file is still in invoices/<format>/. Fix the cause, copy the file onto ' +
        'itself (or upload it again) to import it, then delete the message.',
    });
    this.deadLetterQueue = failures.queue;
    this.deadLetterAlarm = failures.alarm;
    if (props.alarmTopic) notifyTopic(props.alarmTopic, [this.deadLetterAlarm]);

    this.invoiceFolders = invoiceFolders();
    this.inboxObjectArns = this.invoiceFolders.map((folder) => lakeBucket.arnForObjects(`${folder}*`));
    const rejectedArn = lakeBucket.arnForObjects(`${REJECTED_PREFIX}*`);
    const costsArn = lakeBucket.arnForObjects(`${COSTS_PREFIX}*`);
    this.outputObjectArns = [rejectedArn, costsArn];
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:DeleteObject'],
        resources: [...this.inboxObjectArns],
      }),
    );
    this.role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [rejectedArn] }));
    // The import lists its content-addressed key first (a re-delivered notification finds it) and puts it if
    // missing: s3:ListBucket conditioned on costs/, and no read of costs/ objects.
    this.role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [costsArn] }));
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${COSTS_PREFIX}*`] } },
      }),
    );

    // With an SSE-KMS lake: read the inbox files, write costs/ and invoices/rejected/.
    grantBucketKey(this.role, lakeBucket, 'readWrite');

    const destination = new LambdaDestination(this.function);
    for (const prefix of this.invoiceFolders) {
      lakeBucket.addEventNotification(EventType.OBJECT_CREATED, destination, { prefix });
    }
    this.notificationsHandler.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketNotification', 's3:PutBucketNotification'],
        resources: [lakeBucket.bucketArn],
      }),
    );
    this.routeNotificationsHandlerLogs();
  }

  /**
   * Points CDK's bucket-notifications handler (an inline function CDK adds once per stack) at its own log
   * group: its role has no AWSLambdaBasicExecutionRole, so it can write only there.
   */
  private routeNotificationsHandlerLogs(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    const resource = handler?.node.tryFindChild('Resource') as CfnResource | undefined;
    if (!resource) throw new Error(`${this.node.path}: CDK's bucket-notifications handler was not found`);
    resource.addPropertyOverride('LoggingConfig', {
      LogGroup: this.notificationsHandler.logGroup.logGroupName,
    });
    resource.node.addDependency(this.notificationsHandler);
  }
}
