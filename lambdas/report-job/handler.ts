import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { awsReportJobDependencies } from '../../src/jobs/aws-report-job.ts';
import { createReportJobHandler, reportJobConfig } from '../../src/jobs/report-job-handler.ts';

const config = reportJobConfig();
// The bundle carries queries/reports/*.sql and queries/rollups/*.sql next to this file (copied at bundling, see infra/constructs/report-job.ts).
const queries = new URL('./queries/', import.meta.url);

const logger = new Logger();

// A scheduled report job (REPORT_KIND governance, waste, margin or alerts): Athena → reports/<kind>/<period>/ → SES,
// once (and, for the spend alerts' critical findings, SNS once).
const runJob = createReportJobHandler(
  config.kind,
  awsReportJobDependencies(
    config,
    {
      athena: new AthenaClient({}),
      dynamo: new DynamoDBClient({}),
      s3: new S3Client({}),
      ses: new SESv2Client({}),
      ...(config.pageTopicArn ? { sns: new SNSClient({}) } : {}),
    },
    { readQuery: (file) => readFileSync(new URL(file, queries), 'utf8') },
  ),
  logger,
);

// Every log line of an invocation carries its request id (function_request_id), cold_start and function_name.
// (Lambda always passes the context; a test may call the handler without one.)
export const handler = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  return runJob(event);
};
