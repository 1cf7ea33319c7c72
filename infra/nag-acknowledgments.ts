import { Stack, Validations } from 'aws-cdk-lib';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
// cdk-nag's own rendering of a CloudFormation reference, so the ids below match its findings exactly.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import type { DataStack } from './stacks/data-stack.ts';
import type { IngestStack } from './stacks/ingest-stack.ts';
import type { InvoiceStack } from './stacks/invoice-stack.ts';
import type { ReportsStack } from './stacks/reports-stack.ts';

/** One acknowledged cdk-nag finding: the rule id (with its finding) and why it is accepted. */
export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

/**
 * Every cdk-nag finding (AwsSolutions and Serverless packs) this app accepts, each with its reason, on the
 * construct it is about. Nothing else is acknowledged: a new finding fails `cdk synth` and
 * test/infra/nag.test.ts.
 */
export function acknowledgeNagFindings(stacks: {
  data: DataStack;
  ingest: IngestStack;
  invoices: InvoiceStack;
  reports: ReportsStack;
}): void {
  const ingest = stacks.ingest.ingestFunction;

  acknowledgeWildcardResources(ingest.role, [
    ...ingest.lakeObjectArns.map((arn) => ({
      arn,
      reason:
        'The ingest function writes objects it names itself from shard id and sequence range under this one ' +
        'lake prefix (s3:PutObject only; it lists the key first, with s3:ListBucket conditioned on events/ and ' +
        'quarantine/, to skip a redelivered batch); the key is not known in advance, so the grant is the ' +
        'prefix. It can read no object, and list or write nothing outside those two prefixes.',
    })),
    ...ingest.failedRecordObjectArns.map((arn) => ({
      arn,
      reason:
        'The Kinesis event source mapping writes discarded batches to the dedicated failed-records bucket ' +
        'under keys Lambda chooses; s3:PutObject only (no read, no delete), on that bucket only.',
    })),
  ]);

  const hmacSecret = stacks.ingest.userHmacSecret.created;
  if (hmacSecret) {
    Validations.of(hmacSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is the HMAC key end-user ids of OTLP spans are hashed under (user_hash, as the client hashes ' +
        'them with the same key). A rotated key changes every user hash, so one user would count as two across ' +
        'the rotation and the raw ids, never stored, cannot be re-hashed: it must never rotate on a schedule. It ' +
        'is replaced by hand only if it leaks, at a month boundary, with the apps that share it (docs/deploying.md).',
    });
  }

  const invoice = stacks.invoices.invoiceFunction;
  acknowledgeWildcardResources(invoice.role, [
    ...invoice.inboxObjectArns.map((arn) => ({
      arn,
      reason:
        'The invoice function reads, then deletes when it refuses it, the file S3 notified it of; files are ' +
        'dropped by people and exports under names not known in advance, so the grant is the format folder ' +
        'its notification filter watches (s3:GetObject and s3:DeleteObject only).',
    })),
    ...invoice.outputObjectArns.map((arn) => ({
      arn,
      reason:
        'The invoice function writes cost lines under costs/ named by the content hash of the file (and lists ' +
        'the key first, with s3:ListBucket conditioned on costs/, so a file imported twice is stored once), and refused files with their error reports ' +
        'under invoices/rejected/ named after the file; the keys are not known in advance, so the grant is the ' +
        'prefix. It cannot write anywhere else in the lake, and nothing it writes matches its notification filters.',
    })),
  ]);

  const priceBook = stacks.data.priceBook;
  acknowledgeWildcardResources(priceBook.helper.role, [
    ...priceBook.lakeObjectArns.map((arn) => ({
      arn,
      reason:
        'The default price book upload (CDK BucketDeployment, run on deploy) syncs prices/default/: it puts the ' +
        'new file and deletes stale ones there (s3:PutObject, s3:DeleteObject), and may list only that prefix. ' +
        'CDK would grant it read-write on the whole lake bucket; this is what is left.',
    })),
  ]);
  const views = stacks.data.athenaViews;
  acknowledgeWildcardResources(views.role, [
    {
      arn: views.tablesArn,
      reason:
        'The views function creates, replaces and drops the views of queries/views (Athena stores a view as a ' +
        'Glue table) and reads the tables they select from; the view names come from the SQL files and change ' +
        'with them, so the grant is the tables of the one lake database (Glue actions only, no lake data).',
    },
    {
      arn: views.resultObjectsArn,
      reason:
        'Athena writes the result of each DDL statement the views function runs under the workgroup output ' +
        'location, results/ of the dedicated Athena results bucket, as objects named by query execution id; ' +
        'the keys are not known in advance, so the grant is that prefix. Nothing in the lake is granted.',
    },
  ]);

  for (const job of Object.values(stacks.reports.jobs)) {
    acknowledgeWildcardResources(job.role, [
      ...job.lakeObjectArns.map((arn) => ({
        arn,
        reason:
          `Athena reads the lake tables a ${job.kind} report queries with the job's own credentials: every object ` +
          'under the table prefix, named by the writers (and by date partition), so the grant is the prefix; ' +
          's3:GetObject only, on the prefixes of the Glue tables only.',
      })),
      {
        arn: job.resultObjectsArn,
        reason:
          `Athena writes the result of each query the ${job.kind} report job runs under the workgroup output ` +
          'location, results/ of the dedicated Athena results bucket, as objects named by query execution id, and ' +
          'the job reads them back; the keys are not known in advance, so the grant is that prefix.',
      },
      {
        arn: job.reportObjectsArn,
        reason:
          `The ${job.kind} report job writes its JSON, CSV and HTML files under reports/${job.kind}/<period>/, the ` +
          'period known only when it runs; s3:PutObject only, in the folder of its own report kind.',
      },
      {
        arn: job.rollupObjectsArn,
        reason:
          `Before its queries, the ${job.kind} report job rolls up the days it reads whose rollup is missing ` +
          'or stale: it writes each new roll under rollups/<table>/dt=<day>/<roll id>.parquet and deletes ' +
          "the day's older rolls; the roll ids are made at run time, so the grant is the rollups/ prefix " +
          '(s3:PutObject and s3:DeleteObject only).',
      },
    ]);
    acknowledgeDeadLetterQueue(
      job.deadLetterQueue,
      'This queue is itself a dead-letter queue: the on-failure destination of the report function (Lambda ' +
        'asynchronous invocation) and the DeadLetterConfig of its schedule.',
    );
    acknowledgeServerless(job.function, {
      LambdaDLQ:
        `The ${job.kind} report function (invoked asynchronously by its schedule) sends a run that failed after ` +
        "its retries to its on-failure destination, the job's SQS dead-letter queue, which records the event " +
        'and the error and raises an alarm; a DeadLetterConfig would be a second queue with less in it.',
      LambdaTracing: NO_TRACING,
    });
  }

  const rollup = stacks.reports.rollupJob;
  acknowledgeWildcardResources(rollup.role, [
    ...rollup.lakeObjectArns.map((arn) => ({
      arn,
      reason:
        'Athena reads the lake tables the rollup queries read (the events, the price book and invoices they take ' +
        "the dimensions from, the rolls) with the rollup job's own credentials: every object under the table " +
        'prefix, named by the writers (and by date partition), so the grant is the prefix; s3:GetObject only, on ' +
        'the prefixes of those Glue tables only.',
    })),
    {
      arn: rollup.resultObjectsArn,
      reason:
        'Athena writes the result of each query the rollup job runs under the workgroup output location, ' +
        'results/ of the dedicated Athena results bucket, as objects named by query execution id, and the job ' +
        'reads them back; the keys are not known in advance, so the grant is that prefix.',
    },
    {
      arn: rollup.rollupObjectsArn,
      reason:
        'The rollup job rolls up the days of its window whose rollup is missing or stale: it writes each new roll ' +
        "under rollups/<table>/dt=<day>/<roll id>.parquet and deletes the day's older rolls; the roll ids are " +
        'made at run time, so the grant is the rollups/ prefix (s3:PutObject and s3:DeleteObject only).',
    },
  ]);
  acknowledgeDeadLetterQueue(
    rollup.deadLetterQueue,
    'This queue is itself a dead-letter queue: the on-failure destination of the rollup function (Lambda ' +
      'asynchronous invocation) and the DeadLetterConfig of its schedule.',
  );
  acknowledgeServerless(rollup.function, {
    LambdaDLQ:
      'The rollup function (invoked asynchronously by its schedule) sends a run that failed after its retries ' +
      "to its on-failure destination, the job's SQS dead-letter queue, which records the event and the error " +
      'and raises an alarm; a DeadLetterConfig would be a second queue with less in it.',
    LambdaTracing: NO_TRACING,
  });

  acknowledgeDeadLetterQueue(
    invoice.deadLetterQueue,
    'This queue is itself a dead-letter queue: the on-failure destination of the invoice function (Lambda ' +
      'asynchronous invocation by S3 notifications).',
  );
  acknowledgeServerless(invoice.function, {
    LambdaDLQ:
      'The invoice function (invoked asynchronously by S3 notifications) sends an invocation that failed after ' +
      'its retries to its on-failure destination, an SQS dead-letter queue, which records the S3 event and the ' +
      'error and raises an alarm; a DeadLetterConfig would be a second queue with less in it.',
    LambdaTracing: NO_TRACING,
  });

  acknowledgeServerless(ingest.function, {
    LambdaDLQ:
      'The ingest function is invoked only by its Kinesis event source mapping, synchronously; a batch it ' +
      'fails on is retried, then sent by the mapping to its on-failure destination, the failed-records bucket ' +
      '(payloads included, alarmed). A function DeadLetterConfig applies to asynchronous invocations only and ' +
      'would never receive anything.',
    ...(ingest.tracing === Tracing.ACTIVE
      ? {}
      : { LambdaTracing: `${NO_TRACING} Set tracing to turn it on.` }),
  });

  acknowledgeServerless(views.function, {
    LambdaDLQ:
      'The views function is invoked only synchronously (RequestResponse) by the custom resource framework, ' +
      'which reports its error to CloudFormation: the deployment fails and rolls back. A DeadLetterConfig ' +
      'applies to asynchronous invocations only and would never receive anything.',
    LambdaTracing: NO_TRACING,
  });
  const viewsInvokeConfig = views.function.node.findChild('EventInvokeConfig');
  acknowledgeServerless(viewsInvokeConfig, {
    LambdaAsyncFailureDestination:
      'The views function is invoked only synchronously by the custom resource framework; this configuration ' +
      'only sets retries of any asynchronous invocation to 0, so a DDL statement never runs twice. There is no ' +
      'asynchronous failure to send anywhere: an error reaches CloudFormation, which fails the deployment.',
  });
  acknowledgeServerless(views.frameworkFunction, {
    LambdaDLQ:
      "CDK's custom resource framework function, invoked by CloudFormation on deploy; it reports every failure " +
      'to CloudFormation (FAILED response: the deployment fails and rolls back), so there is no lost event for ' +
      'a dead-letter queue to keep.',
    LambdaDefaultMemorySize:
      "CDK's custom resource framework function (aws-cdk-lib's Provider, which offers no memory setting): it " +
      "runs at Lambda's default 128 MB, enough to relay one CloudFormation event to the views function and its " +
      'answer back; it cannot be changed without patching CDK.',
    LambdaTracing: NO_TRACING,
  });

  acknowledgeServerless(priceBook.handlerFunction, {
    LambdaLatestVersion:
      "The runtime of CDK's BucketDeployment handler (Python, with its AWS CLI layer) is set by aws-cdk-lib, " +
      'which builds and tests the handler for it; it cannot be chosen without patching CDK. It runs only during ' +
      'deployments, invoked by CloudFormation, and takes no other input.',
    LambdaDLQ:
      "CDK's BucketDeployment handler, invoked by CloudFormation on deploy; it reports every failure to " +
      'CloudFormation (FAILED response: the deployment fails and rolls back), so there is no lost event for a ' +
      'dead-letter queue to keep.',
    LambdaTracing: NO_TRACING,
  });

  Validations.of(priceBook.handlerFunction).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      "The runtime of CDK's BucketDeployment handler (Python, with its AWS CLI layer) is set by aws-cdk-lib, " +
      'which builds and tests the handler for it; it cannot be chosen without patching CDK. It runs only during ' +
      'deployments, invoked by CloudFormation, and takes no other input.',
  });

  if (ingest.tracing !== Tracing.DISABLED) {
    Validations.of(ingest.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }
}

/** Why no function of the app has X-Ray active tracing (Serverless-LambdaTracing, a warning). */
const NO_TRACING =
  'X-Ray tracing is off: each function is one hop (stream, S3 event, schedule or deploy to S3, Athena, DynamoDB, ' +
  'SES) whose failures are in its JSON logs and alarms; tracing would give every role xray:Put* on Resource * ' +
  'and bill traces for no extra diagnosis.';

/** Acknowledges Serverless pack findings (`Serverless-<rule>`) on `scope`, each with its reason. */
function acknowledgeServerless(scope: IConstruct, reasons: Record<string, string>): void {
  for (const [rule, reason] of Object.entries(reasons)) {
    Validations.of(scope).acknowledge({ id: `Serverless-${rule}`, reason });
  }
}

/**
 * Acknowledges, on a queue that is itself a dead-letter queue, the findings that ask it for one: cdk-nag
 * recognises only SQS redrive policies and Lambda DeadLetterConfig as DLQ uses, not an on-failure destination.
 */
function acknowledgeDeadLetterQueue(queue: IConstruct, what: string): void {
  const reason = `${what} A dead-letter queue of this queue would have nothing to catch: nothing consumes it but a person.`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
}

/**
 * Acknowledges `AwsSolutions-IAM5[Resource::<arn>]` on `scope` for each ARN. cdk-nag names a resource
 * from another stack by the export name CDK makes up while preparing the app, so the ids are worked out
 * in a construct validation, which runs after cross-stack references are resolved and before validation
 * plugins such as cdk-nag.
 */
function acknowledgeWildcardResources(scope: IConstruct, entries: { arn: string; reason: string }[]): void {
  scope.node.addValidation({
    validate: () => {
      for (const { arn, reason } of entries) {
        const resource = flattenCfnReference(Stack.of(scope).resolve(arn));
        Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
      }
      return [];
    },
  });
}

/** The acknowledgments recorded on `scope` and its children (for tests and reviews). */
export function listNagAcknowledgments(scope: IConstruct): NagAcknowledgment[] {
  const found: NagAcknowledgment[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}
