import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { userHash } from '@tokenledger/client/contract';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointUrl } from '../helpers/aws-env.ts';
import { bundleIngestLambda, type LambdaBundle, lambdaContainer } from '../helpers/bundled-handler.ts';
import { kinesisRecord, seq } from '../helpers/factories.ts';
import { frameOtlp, genAiAttributes, makeSpans, otlpRequest, spanEventId } from '../helpers/otel-spans.ts';
import { REFUSED_ENDPOINT } from '../helpers/refused-endpoint.ts';
import { startS3 } from '../helpers/s3rver.ts';
import { type LocalSecretsManager, startLocalSecretsManager } from '../helpers/secrets-endpoint.ts';

// Issue 15 (deployment): the ingest function as deployed — its package as the CDK app bundles it, @aws-sdk/* from
// node_modules standing in for the runtime's — reads its OTLP settings from its environment and the user-id HMAC
// key from the Secrets Manager secret USER_HMAC_SECRET names, once per container, through Powertools Parameters.
// Secrets Manager is a local endpoint speaking its JSON protocol (test/helpers/secrets-endpoint.ts), the lake
// s3rver. A span's end-user id is stored only as the client's userHash under that key; when the key cannot be
// read, the invocation throws (Kinesis delivers the batch again) naming the secret, and nothing is stored.

const BUCKET = 'otlp-secret-lake';
const SECRET = 'tokenledger/user-hmac-key';
// As the stack generates it: 64 letters and digits.
const KEY = 'k7Qm2ZrT9vXw4LpN8sYd3HbJ6cFg1AeR5uKo0WnMxViEqUtSzBlCaDhGjPyOfI2';
const USER = 'user-42';

let bundle: LambdaBundle;
let secrets: LocalSecretsManager;
let lake: Awaited<ReturnType<typeof startS3>>;
let s3: S3Client;
let s3Endpoint: string;

beforeAll(async () => {
  bundle = await bundleIngestLambda();
  secrets = await startLocalSecretsManager();
  secrets.put(SECRET, KEY);
  lake = await startS3(BUCKET);
  s3 = lake.s3;
  s3Endpoint = await endpointUrl(s3.config);
}, 120_000);

afterAll(async () => {
  await lake?.stop();
  await secrets?.close();
  await bundle?.remove();
});

/** The function's environment: the deployment's variables, the SDK pointed at the local endpoints. */
function env(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return {
    LAKE_BUCKET: BUCKET,
    USER_HMAC_SECRET: SECRET,
    POWERTOOLS_SERVICE_NAME: 'tokenledger-ingest',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    ...vars,
  };
}

type Handler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

async function container(vars: Record<string, string | undefined> = {}) {
  return lambdaContainer<KinesisStreamEvent, unknown, KinesisStreamBatchResponse>(bundle, env(vars), {
    captureLogs: true,
  });
}

let nextSeq = 1;
/** A Kinesis event of one record per span list: OTLP protobuf, gzip, as the Collector's awskinesis exporter writes. */
function otlpEvent(...records: ReturnType<typeof makeSpans>[]): KinesisStreamEvent {
  return {
    Records: records.map((spans) =>
      kinesisRecord(frameOtlp(otlpRequest(spans, 'otlp_proto'), 'gzip'), seq(nextSeq++), Date.now()),
    ),
  };
}

async function lakeKeys(prefix = ''): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

async function objectBytes(key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
}

async function parquetRows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file, compressors: { GZIP: (input: Uint8Array) => gunzipSync(input) } });
}

/** Every stored event row, from the Parquet files under events/. */
async function eventRows(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const key of await lakeKeys('events/')) rows.push(...(await parquetRows(await objectBytes(key))));
  return rows;
}

/** Every lake object as text a person could search: Parquet rows as JSON, gzip inflated, anything else as it is. */
async function lakeTexts(): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const key of await lakeKeys()) {
    const bytes = await objectBytes(key);
    const raw = Buffer.from(bytes).toString('latin1');
    let decoded: string;
    if (key.endsWith('.parquet')) {
      decoded = JSON.stringify(await parquetRows(bytes), (_, v) => (typeof v === 'bigint' ? String(v) : v));
    } else if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      decoded = gunzipSync(bytes).toString('utf8');
    } else {
      decoded = Buffer.from(bytes).toString('utf8');
    }
    texts.set(key, `${raw}\n${decoded}`);
  }
  return texts;
}

describe('the bundled ingest function with the user-id HMAC key from Secrets Manager', () => {
  it('stores a span’s end user only as userHash(key, id), honours OTLP_FEATURE_ATTRIBUTE, and reads the secret once', async () => {
    // Prepare: a container with a deployment's non-default feature attribute; a GenAI span whose end user is
    // user-42, and one without a feature (quarantined) carrying the same user.
    const before = secrets.requests.length;
    const fn = await container({ OTLP_FEATURE_ATTRIBUTE: 'app.feature' });
    const now = Date.now() - 60_000;
    const [stored] = makeSpans([
      {
        start: now,
        durationMs: 800,
        attributes: genAiAttributes({ 'app.feature': 'checkout.assist', 'enduser.id': USER }),
      },
    ]);
    const [refused] = makeSpans([{ start: now + 1000, attributes: genAiAttributes({ 'enduser.id': USER }) }]);
    if (!stored || !refused) throw new Error('no spans');
    const handler: Handler = fn.handler;

    // Act: two invocations of the same container.
    const first = await handler(otlpEvent([stored]));
    const second = await handler(otlpEvent([refused]));

    // Assess: one event, its feature from app.feature (tokenledger.feature is ignored), its user the client's hash.
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    const rows = await eventRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_id: spanEventId(stored),
      feature: 'checkout.assist',
      user_hash: userHash(KEY, USER),
    });
    // The span without app.feature is quarantined (its tokenledger.feature is not the configured attribute).
    expect(await lakeKeys('quarantine/')).toHaveLength(1);
    // The raw id is in no lake object, however it is read.
    const texts = await lakeTexts();
    expect(texts.size).toBeGreaterThanOrEqual(2);
    for (const [key, text] of texts) expect(text, key).not.toContain(USER);
    // The secret was read once for the container, by name, with a signed request.
    expect(secrets.requests.slice(before)).toEqual([{ secretId: SECRET, signed: true, found: true }]);
  });

  it('an absent secret fails the invocation, naming the secret, stores nothing, and the next invocation reads again', async () => {
    // Prepare: a secret that does not exist (yet).
    const missing = 'tokenledger/missing-hmac-key';
    const fn = await container({ USER_HMAC_SECRET: missing });
    const keysBefore = await lakeKeys();
    const [span] = makeSpans([
      { start: Date.now() - 60_000, attributes: genAiAttributes({ 'enduser.id': USER }) },
    ]);
    if (!span) throw new Error('no span');
    const event = otlpEvent([span]);

    // Act + Assess: the invocation throws, naming the secret; the batch is not acknowledged, nothing is stored.
    await expect(fn.handler(event)).rejects.toThrow(missing);
    await expect(fn.handler(event)).rejects.toThrow(/cannot read the user-id HMAC key from Secrets Manager/);
    expect(await lakeKeys()).toEqual(keysBefore);
    const reads = secrets.requests.filter((r) => r.secretId === missing);
    expect(reads.length).toBe(2); // a failed read is not kept: each invocation tries again
    expect(fn.logs.some((l) => l.message === 'user-id HMAC key unavailable' && l.level === 'ERROR')).toBe(
      true,
    );

    // Once the secret exists, the same container stores the redelivered batch, hashed under its key.
    const otherKey = 'AnotherKeyOf64LettersAndDigits0123456789abcdefghijklmnopqrstuvwx';
    secrets.put(missing, otherKey);
    await expect(fn.handler(event)).resolves.toEqual({ batchItemFailures: [] });
    const row = (await eventRows()).find((r) => r.event_id === spanEventId(span));
    expect(row?.user_hash).toBe(userHash(otherKey, USER));
  });

  it('an unreachable Secrets Manager fails the invocation with the secret’s name in the message', async () => {
    const fn = await container({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: REFUSED_ENDPOINT,
      AWS_MAX_ATTEMPTS: '1',
    });
    const keysBefore = await lakeKeys();
    const [span] = makeSpans([
      { start: Date.now() - 60_000, attributes: genAiAttributes({ 'enduser.id': USER }) },
    ]);
    if (!span) throw new Error('no span');

    await expect(fn.handler(otlpEvent([span]))).rejects.toThrow(
      `cannot read the user-id HMAC key from Secrets Manager secret ${SECRET} (USER_HMAC_SECRET)`,
    );
    expect(await lakeKeys()).toEqual(keysBefore);
  });

  it('a bad OTLP setting in the environment fails the cold start, naming the variable', async () => {
    await expect(container({ OTLP_USER_ATTRIBUTES: 'enduser id' })).rejects.toThrow(
      'OTLP_USER_ATTRIBUTES: expected 1 to 8 comma-separated attribute keys',
    );
  });
});
