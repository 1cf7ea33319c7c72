import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { awsRollupJobDependencies } from '../../src/jobs/aws-rollup-job.ts';
import { createRollupJobHandler, rollupJobConfig } from '../../src/jobs/rollup-job-handler.ts';

const config = rollupJobConfig();
// The bundle carries queries/rollups/*.sql next to this file (copied at bundling, see infra/constructs/rollup-job.ts).
const queries = new URL('./queries/', import.meta.url);

const logger = new Logger();

// The scheduled rollup job: the stale days of the lookback window (or the event's days) → Athena → rollups/.
const runJob = createRollupJobHandler(
  awsRollupJobDependencies(
    config,
    { athena: new AthenaClient({}), s3: new S3Client({}) },
    { readQuery: (file) => readFileSync(new URL(file, queries), 'utf8') },
  ),
  config.lookbackDays,
  logger,
);

// Every log line of an invocation carries its request id (function_request_id), cold_start and function_name.
// (Lambda always passes the context; a test may call the handler without one.)
export const handler = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  return runJob(event);
};
