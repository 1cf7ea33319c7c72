import type { AthenaClient } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDeliveryLedger } from '../adapters/dynamodb/dynamo-delivery-ledger.ts';
import { DynamoPromptRegistry } from '../adapters/dynamodb/dynamo-prompt-registry.ts';
import { SesMailSender } from '../adapters/ses/ses-mail-sender.ts';
import { SnsNotifier } from '../adapters/sns/sns-notifier.ts';
import { rollupDaysOf } from '../reports/report-period.ts';
import { type AwsRollupJobOptions, awsRollupJobDependencies } from './aws-rollup-job.ts';
import type { ReportJobDependencies } from './report-job.ts';
import type { ReportJobConfig } from './report-job-handler.ts';
import { rollUp } from './rollup-job.ts';

export interface AwsClients {
  athena: AthenaClient;
  dynamo: DynamoDBClient;
  s3: S3Client;
  ses: SESv2Client;
  /** Needed when the job pages (PAGE_TOPIC_ARN): the spend alerts' critical findings. */
  sns?: SNSClient;
}

/** The SQL text of the queries, the poll interval and the clock (as the rollup job's). */
export type AwsReportJobOptions = AwsRollupJobOptions;

/**
 * A report job's dependencies in AWS: Athena through the workgroup, the registry and the delivery ledger in
 * DynamoDB, the reports in the lake bucket, the email through SES (only when there are recipients), the page of
 * critical spend alerts through SNS (only with a topic).
 */
export function awsReportJobDependencies(
  config: ReportJobConfig,
  clients: AwsClients,
  options: AwsReportJobOptions,
): ReportJobDependencies {
  const rollups = awsRollupJobDependencies(config, clients, options);
  const { queries, lake } = rollups;
  return {
    queries,
    registry: new DynamoPromptRegistry(clients.dynamo, config.registryTable),
    lake,
    // The period's days not rolled up yet, or rolled up before late events arrived, are rolled up first: Athena
    // computes each day, the function writes it to rollups/ (docs/rollups.md).
    refreshRollups: (period) => rollUp(rollups, { days: rollupDaysOf(period) }),
    deployChangeThresholds: config.deployChangeThresholds,
    alertThresholds: config.alertThresholds,
    ...(config.pageTopicArn && clients.sns
      ? {
          pager: {
            notifier: new SnsNotifier(clients.sns, config.pageTopicArn),
            ledger: new DynamoDeliveryLedger(clients.dynamo, config.deliveriesTable),
          },
        }
      : {}),
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
