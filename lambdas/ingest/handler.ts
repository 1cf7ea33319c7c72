import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { requiredEnv } from '../../src/config/required-env.ts';
import { createIngestHandler } from '../../src/ingest/kinesis-ingest.ts';

const LAKE_BUCKET = requiredEnv('LAKE_BUCKET');

export const handler = createIngestHandler({
  store: new S3LakeStore(new S3Client({}), LAKE_BUCKET),
  logger: new Logger(),
});
