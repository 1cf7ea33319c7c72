import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { requiredEnv } from '../../src/config/required-env.ts';
import { type OtlpMapping, otlpMapping } from '../../src/core/ingest/otlp-mapping.ts';
import { parseOtlpSettings } from '../../src/core/otlp/otlp-settings.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';

const LAKE_BUCKET = requiredEnv('LAKE_BUCKET');
// Which span attributes give feature, cohort, customer and end user (OTLP_FEATURE_ATTRIBUTE, …): a bad value fails
// the cold start, naming the variable.
const OTLP_SETTINGS = parseOtlpSettings(process.env, 'env');
/** The secret (name or ARN) holding the key end-user ids of OTLP spans are hashed under. */
const USER_HMAC_SECRET = process.env.USER_HMAC_SECRET?.trim() || undefined;

const logger = new Logger();
const store = new S3LakeStore(new S3Client({}), LAKE_BUCKET);

/** Thrown when the user-id HMAC key cannot be read: the batch fails, and Kinesis delivers it again. */
class UserHmacKeyError extends Error {
  override readonly name = 'UserHmacKeyError';
}

/**
 * The OTLP mapping with the key of USER_HMAC_SECRET, read from Secrets Manager. The key never changes in a
 * deployment (it is not rotated), so it is kept for the container's life.
 */
async function readMapping(secret: string): Promise<OtlpMapping> {
  let value: string | Uint8Array | undefined;
  try {
    value = await getSecret(secret, { maxAge: 365 * 24 * 3600 });
  } catch (err) {
    throw new UserHmacKeyError(
      `cannot read the user-id HMAC key from Secrets Manager secret ${secret} (USER_HMAC_SECRET): ${(err as Error).message}`,
      { cause: err },
    );
  }
  // An empty key would leave user ids out (otlpMapping reads it as none): refuse it rather than drop them.
  if (value === undefined || value.length === 0) {
    throw new UserHmacKeyError(
      `the Secrets Manager secret ${secret} (USER_HMAC_SECRET) holds no user-id HMAC key: its value is empty`,
    );
  }
  return otlpMapping(OTLP_SETTINGS, value);
}

/**
 * The mapping, read once per container (at its first invocation) and kept as a module-level promise: every batch
 * waits for it, so none is stored before the key is known. A failed read fails the invocation — never a batch stored
 * with user ids dropped — and is tried again by the next one, so a container does not keep a transient error.
 */
let mapping: Promise<OtlpMapping> | undefined;
function currentMapping(): Promise<OtlpMapping> {
  if (!USER_HMAC_SECRET) return Promise.resolve(otlpMapping(OTLP_SETTINGS));
  if (!mapping) {
    const reading = readMapping(USER_HMAC_SECRET);
    mapping = reading;
    reading.catch(() => {
      if (mapping === reading) mapping = undefined;
    });
  }
  return mapping;
}
if (!USER_HMAC_SECRET) {
  logger.warn('USER_HMAC_SECRET is not set: the end-user ids of OTLP spans are left out of their events');
}

// Every log line of an invocation carries its request id (function_request_id), cold_start and function_name.
// (Lambda always passes the context; a test may call the handler without one.)
export const handler = async (event: KinesisStreamEvent, context?: Context) => {
  if (context) logger.addContext(context);
  const ingest = createIngestHandler({ store, logger, otlp: currentMapping() });
  try {
    return await ingest(event, context);
  } catch (err) {
    if (err instanceof UserHmacKeyError) logger.error('user-id HMAC key unavailable', { error: err });
    throw err;
  }
};
