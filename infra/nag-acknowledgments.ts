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
 * Every cdk-nag (AwsSolutions) finding this app accepts, each with its reason. Nothing else is
 * acknowledged: a new finding fails `cdk synth` and test/infra/nag.test.ts.
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
        'The ingest function writes (and HEADs, to skip a redelivered batch) objects it names itself from ' +
        'shard id and sequence range under this one lake prefix; the key is not known in advance, so the ' +
        'grant is the prefix. Outside events/ and quarantine/ it can list key names (s3:ListBucket, so a ' +
        'missing key answers 404) but read or write nothing.',
    })),
    ...ingest.failedRecordObjectArns.map((arn) => ({
      arn,
      reason:
        'The Kinesis event source mapping writes discarded batches to the dedicated failed-records bucket ' +
        'under keys Lambda chooses; s3:PutObject only (no read, no delete), on that bucket only.',
    })),
  ]);

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
        'The invoice function writes cost lines under costs/ named by the content hash of the file (and HEADs ' +
        'them first, so a file imported twice is stored once), and refused files with their error reports ' +
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
    ]);
    Validations.of(job.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the on-failure destination of the report function (Lambda ' +
        'asynchronous invocation) and the DeadLetterConfig of its schedule. cdk-nag recognises only SQS redrive ' +
        'policies and Lambda DeadLetterConfig as DLQ uses; a DLQ of this queue would have nothing to catch.',
    });
  }

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
