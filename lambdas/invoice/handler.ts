import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { S3ObjectSource } from '../../src/adapters/s3/s3-object-source.ts';
import { requiredEnv } from '../../src/config/required-env.ts';
import { createInvoiceHandler } from '../../src/jobs/invoice-object.ts';

const LAKE_BUCKET = requiredEnv('LAKE_BUCKET');
const s3 = new S3Client({});

const logger = new Logger();

// S3 ObjectCreated notifications for invoices/<format>/ of the lake: import, or move to invoices/rejected/.
const importInvoices = createInvoiceHandler({
  bucket: LAKE_BUCKET,
  store: new S3LakeStore(s3, LAKE_BUCKET),
  objects: new S3ObjectSource(s3, LAKE_BUCKET),
  logger,
});

// Every log line of an invocation carries its request id (function_request_id), cold_start and function_name.
// (Lambda always passes the context; a test may call the handler without one.)
export const handler = async (event: S3Event, context?: Context) => {
  if (context) logger.addContext(context);
  return importInvoices(event);
};
