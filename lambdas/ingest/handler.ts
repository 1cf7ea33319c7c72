import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { requiredEnv } from '../../src/config/required-env.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';

const LAKE_BUCKET = requiredEnv('LAKE_BUCKET');

const logger = new Logger();
const ingest = createIngestHandler({
  store: new S3LakeStore(new S3Client({}), LAKE_BUCKET),
  logger,
});

// Every log line of an invocation carries its request id (function_request_id), cold_start and function_name.
// (Lambda always passes the context; a test may call the handler without one.)
export const handler = async (event: KinesisStreamEvent, context?: Context) => {
  if (context) logger.addContext(context);
  return ingest(event, context);
};
