import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { requiredEnv } from '../../src/config/required-env.ts';
import { createInvoiceHandler } from '../../src/imports/invoice-object.ts';
import { S3ObjectSource } from './s3-object-source.ts';

const LAKE_BUCKET = requiredEnv('LAKE_BUCKET');
const s3 = new S3Client({});

// S3 ObjectCreated notifications for invoices/<format>/ of the lake: import, or move to invoices/rejected/.
export const handler = createInvoiceHandler({
  bucket: LAKE_BUCKET,
  store: new S3LakeStore(s3, LAKE_BUCKET),
  objects: new S3ObjectSource(s3, LAKE_BUCKET),
  logger: new Logger(),
});
