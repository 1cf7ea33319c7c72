import { App, type AppProps } from 'aws-cdk-lib';
import { RESULTS_PREFIX } from './constructs/athena-views.ts';
import { acknowledgeNagFindings } from './nag-acknowledgments.ts';
import { settingsFromContext, type TokenledgerSettings } from './settings.ts';
import { DataStack, type DataStackProps } from './stacks/data-stack.ts';
import { IngestStack, type IngestStackProps } from './stacks/ingest-stack.ts';
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
  /**
   * The deploy-time settings, keyed and checked exactly as the CDK context's (infra/settings.ts,
   * docs/deploying.md#settings): they are added to the app's context over `appProps.context`; a `-c` on the
   * command line wins over both (CDK applies it last).
   *
   * @default {}
   */
  readonly settings?: TokenledgerSettings;
  /**
   * Context keys of your own (an app that adds its stacks to this one): not refused as unknown settings.
   *
   * @default []
   */
  readonly otherContextKeys?: readonly string[];
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
 * tests both build it here. The deploy-time settings are CDK context keys (`-c streamName=…`, `-c batchSize=500`,
 * `-c alarmEmail=ops@example.com`), or `settings`: one schema, in infra/settings.ts, with the report jobs' keys
 * (sender, recipients, schedules, time zone) on ReportsSettings (infra/stacks/reports-stack.ts). An unknown
 * camelCase context key is an error naming it. Props given here (`data`, `ingest`, …) win over the settings.
 */
export function createTokenledgerApp(options: TokenledgerAppOptions = {}): TokenledgerApp {
  const app = new App({
    ...options.appProps,
    context: { ...FEATURE_FLAGS, ...options.appProps?.context, ...options.settings },
  });
  // Checked before any stack is built: a bad or unknown key fails at once, naming it.
  const reportsSettings = reportsSettingsFromContext(app);
  const settings = settingsFromContext(app, options.otherContextKeys);
  const data = new DataStack(app, 'TokenledgerData', {
    description: 'tokenledger: event stream, S3 lake, Glue catalog, Athena workgroup (stateful)',
    ...settings.data,
    ...options.data,
  });
  const ingest = new IngestStack(app, 'TokenledgerIngest', {
    description: 'tokenledger: ingest Lambda, its Kinesis event source mapping and alarms (stateless)',
    ...settings.ingest,
    ...options.ingest,
    stream: data.eventStream.stream,
    lakeBucket: data.lakeBucket,
    failedRecordsBucket: data.failedRecordsBucket,
  });
  const invoices = new InvoiceStack(app, 'TokenledgerInvoices', {
    description:
      'tokenledger: invoice Lambda, the S3 notifications of invoices/<format>/, its dead-letter queue and alarm (stateless)',
    ...settings.invoices,
    ...options.invoices,
    lakeBucket: data.lakeBucket,
  });
  const reports = new ReportsStack(app, 'TokenledgerReports', {
    description:
      'tokenledger: scheduled report jobs (governance, waste, margin) and rollup job, their alarms and SES sender (stateless)',
    ...settings.reports,
    ...reportsSettings,
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
