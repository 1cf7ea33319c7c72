import type { AthenaClient } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { AthenaQueryRunner } from '../adapters/athena/athena-query-runner.ts';
import { DynamoDeliveryLedger } from '../adapters/dynamodb/dynamo-delivery-ledger.ts';
import { DynamoPromptRegistry } from '../adapters/dynamodb/dynamo-prompt-registry.ts';
import { S3LakeStore } from '../adapters/s3/s3-lake-store.ts';
import { SesMailSender } from '../adapters/ses/ses-mail-sender.ts';
import { rollupDaysOf } from '../reports/report-period.ts';
import type { ReportJobDependencies } from './report-job.ts';
import type { ReportJobConfig } from './report-job-handler.ts';
import { queryDayWriter, rollUp } from './rollup-job.ts';

export interface AwsClients {
  athena: AthenaClient;
  dynamo: DynamoDBClient;
  s3: S3Client;
  ses: SESv2Client;
}

export interface AwsReportJobOptions {
  /** The SQL text of a query file (a path under queries/). */
  readQuery: (queryFile: string) => string;
  /** Time between two `GetQueryExecution` calls (default the runner's). */
  pollIntervalMs?: number;
  now?: () => Date;
}

/**
 * A report job's dependencies in AWS: Athena through the workgroup, the registry and the delivery ledger in
 * DynamoDB, the reports in the lake bucket, the email through SES (only when there are recipients).
 */
export function awsReportJobDependencies(
  config: ReportJobConfig,
  clients: AwsClients,
  options: AwsReportJobOptions,
): ReportJobDependencies {
  const queries = new AthenaQueryRunner({
    athena: clients.athena,
    workGroup: config.workGroup,
    database: config.database,
    readQuery: options.readQuery,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  const lake = new S3LakeStore(clients.s3, config.lakeBucket);
  const now = options.now ?? (() => new Date());
  return {
    queries,
    registry: new DynamoPromptRegistry(clients.dynamo, config.registryTable),
    lake,
    // The period's days not rolled up yet, or rolled up before late events arrived, are rolled up first: Athena
    // computes each day, the function writes it to rollups/ (docs/rollups.md).
    refreshRollups: (period) =>
      rollUp(
        { lake, queries, writeDays: queryDayWriter(lake, queries), now },
        { days: rollupDaysOf(period) },
      ),
    deployChangeThresholds: config.deployChangeThresholds,
    ...(options.now ? { now: options.now } : {}),
    ...(config.mailTo.length === 0
      ? {}
      : {
          mail: {
            from: config.mailFrom,
            to: config.mailTo,
            sender: new SesMailSender(
              clients.ses,
              config.configurationSet ? { configurationSetName: config.configurationSet } : {},
            ),
            ledger: new DynamoDeliveryLedger(clients.dynamo, config.deliveriesTable),
          },
        }),
  };
}
