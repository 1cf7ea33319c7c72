import { App, type AppProps } from 'aws-cdk-lib';
import { RESULTS_PREFIX } from './constructs/athena-views.ts';
import { acknowledgeNagFindings } from './nag-acknowledgments.ts';
import { DataStack, type DataStackProps } from './stacks/data-stack.ts';
import { IngestStack, type IngestStackProps, ingestSettingsFromContext } from './stacks/ingest-stack.ts';
import { InvoiceStack, type InvoiceStackProps } from './stacks/invoice-stack.ts';
import { ReportsStack, type ReportsStackProps, reportsSettingsFromContext } from './stacks/reports-stack.ts';

/**
 * Feature flags this app relies on; cdk.json or `--context` may override them.
 * - serverAccessLogsUseBucketPolicy: log delivery is allowed by a bucket policy on the access-log bucket,
 *   not by an ACL (the buckets enforce bucket-owner ownership, which disables ACLs).
 * - defaultCrossStackReferences strong: the ingest stack imports the data stack's exports, so
 *   CloudFormation refuses to delete a stream or bucket the ingest function still uses.
 */
export const FEATURE_FLAGS = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
} as const;

export interface TokenledgerAppOptions {
  /** Passed to the App (outdir, extra context). */
  readonly appProps?: AppProps;
  /** @default {} */
  readonly data?: DataStackProps;
  /** @default {} */
  readonly ingest?: Omit<IngestStackProps, 'stream' | 'lakeBucket' | 'failedRecordsBucket'>;
  /** @default {} */
  readonly invoices?: Omit<InvoiceStackProps, 'lakeBucket'>;
  /** Report settings and job tuning; a setting given here wins over its context key. @default {} */
  readonly reports?: Partial<
    Omit<
      ReportsStackProps,
      | 'lakeBucket'
      | 'databaseName'
      | 'workGroupName'
      | 'resultsBucket'
      | 'resultsPrefix'
      | 'lakeTables'
      | 'registryTable'
      | 'deliveriesTable'
    >
  >;
}

export interface TokenledgerApp {
  readonly app: App;
  readonly data: DataStack;
  readonly ingest: IngestStack;
  readonly invoices: InvoiceStack;
  readonly reports: ReportsStack;
}

/**
 * The deployable app: `TokenledgerData` (stateful), `TokenledgerIngest`, `TokenledgerInvoices` and
 * `TokenledgerReports` (stateless), env-agnostic, with the cdk-nag acknowledgments applied. infra/app.ts and the
 * tests both build it here. Context `alarmEmail` (e.g. `-c alarmEmail=ops@example.com`) subscribes an address to
 * the alarm topics, `ingestReservedConcurrency` (a whole number, or `none`) sets the ingest function's reserved
 * concurrency; the report jobs' context keys (sender, recipients, schedules, time zone) are described on
 * ReportsSettings (infra/stacks/reports-stack.ts).
 */
export function createTokenledgerApp(options: TokenledgerAppOptions = {}): TokenledgerApp {
  const app = new App({
    ...options.appProps,
    context: { ...FEATURE_FLAGS, ...options.appProps?.context },
  });
  const data = new DataStack(app, 'TokenledgerData', {
    description: 'tokenledger: event stream, S3 lake, Glue catalog, Athena workgroup (stateful)',
    ...options.data,
  });
  const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');
  const ingest = new IngestStack(app, 'TokenledgerIngest', {
    description: 'tokenledger: ingest Lambda, its Kinesis event source mapping and alarms (stateless)',
    ...(typeof alarmEmail === 'string' ? { alarmEmail } : {}),
    ...ingestSettingsFromContext(app),
    ...options.ingest,
    stream: data.eventStream.stream,
    lakeBucket: data.lakeBucket,
    failedRecordsBucket: data.failedRecordsBucket,
  });
  const invoices = new InvoiceStack(app, 'TokenledgerInvoices', {
    description:
      'tokenledger: invoice Lambda, the S3 notifications of invoices/<format>/, its dead-letter queue and alarm (stateless)',
    ...(typeof alarmEmail === 'string' ? { alarmEmail } : {}),
    ...options.invoices,
    lakeBucket: data.lakeBucket,
  });
  const reports = new ReportsStack(app, 'TokenledgerReports', {
    description:
      'tokenledger: scheduled report jobs (governance, waste, margin), their alarms and SES sender (stateless)',
    ...(typeof alarmEmail === 'string' ? { alarmEmail } : {}),
    ...reportsSettingsFromContext(app),
    ...options.reports,
    lakeBucket: data.lakeBucket,
    databaseName: data.lakeDatabase.databaseName,
    workGroupName: data.queryWorkgroup.workGroupName,
    resultsBucket: data.queryWorkgroup.resultsBucket,
    resultsPrefix: RESULTS_PREFIX,
    lakeTables: data.lakeTables,
    registryTable: data.promptRegistryTable,
    deliveriesTable: data.reportDeliveriesTable,
  });
  acknowledgeNagFindings({ data, ingest, invoices, reports });
  return { app, data, ingest, invoices, reports };
}
