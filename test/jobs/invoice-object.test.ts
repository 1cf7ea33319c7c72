import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { S3ObjectSource } from '../../src/adapters/s3/s3-object-source.ts';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import { normaliseInvoice } from '../../src/core/costs/normalise/index.ts';
import {
  createInvoiceHandler,
  type InvoiceErrorReport,
  type InvoiceObjectDependencies,
  InvoiceStorageError,
  processInvoiceObject,
  s3EventKey,
} from '../../src/jobs/invoice-object.ts';
import { endpointUrl, stubLocalAwsEnv } from '../helpers/aws-env.ts';
import { FailingStore } from '../helpers/failing-store.ts';
import { startS3 } from '../helpers/s3rver.ts';

// The invoice inbox over the real S3 SDK client against s3rver: what lands under costs/, what is moved to
// invoices/rejected/ with its report, and what the Lambda handler does with a real-shaped S3 event.

const OPENAI = readFileSync(new URL('../fixtures/invoices/openai-costs-2026-10.json', import.meta.url));
const NOW = Date.parse('2026-11-03T09:30:00Z');

let s3: Awaited<ReturnType<typeof startS3>>;
let bucketNumber = 0;
beforeAll(async () => {
  s3 = await startS3('tokenledger-lake-0');
});
afterAll(async () => {
  await s3.stop();
});

/** A fresh, empty bucket per test, and the stores the invoice Lambda uses on it. */
async function lake() {
  const bucket = `tokenledger-lake-${++bucketNumber}`;
  await s3.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const deps: InvoiceObjectDependencies = {
    store: new S3LakeStore(s3.s3, bucket),
    objects: new S3ObjectSource(s3.s3, bucket),
    now: () => NOW,
  };
  return {
    bucket,
    deps,
    upload: (key: string, body: Uint8Array | string) =>
      s3.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })),
    keys: () => listKeys(s3.s3, bucket),
    read: async (key: string) => {
      const bytes = await new S3ObjectSource(s3.s3, bucket).get(key);
      if (bytes === undefined) throw new Error(`no object ${key}`);
      return bytes;
    },
  };
}

async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

async function parquetRows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // The lake's Parquet is GZIP-compressed; hyparquet takes the codec as a plug-in.
  return parquetReadObjects({ file, compressors: { GZIP: (input: Uint8Array) => gunzipSync(input) } });
}

/** A cost line as hyparquet reads it back: timestamps as Dates. */
function asStored(line: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of COST_COLUMNS) {
    const value = line[column.name];
    out[column.name] =
      column.glue === 'timestamp' && typeof value === 'number' ? new Date(value) : (value ?? null);
  }
  return out;
}

function s3Event(bucket: string, encodedKeys: string[], eventName = 'ObjectCreated:Put'): S3Event {
  return {
    Records: encodedKeys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-03T09:30:00.000Z',
      eventName,
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '203.0.113.7' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'tokenledger-invoices-openai-costs',
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key,
          size: 3220,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    })),
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a valid invoice under invoices/openai-costs/', () => {
  it('lands as costs/openai-costs/<hash>.parquet with the normalised lines, and the original stays', async () => {
    // Prepare
    const { deps, upload, keys, read } = await lake();
    const key = 'invoices/openai-costs/openai-costs-2026-10.json';
    await upload(key, OPENAI);

    // Act
    const result = await processInvoiceObject(key, deps);

    // Assess
    const expected = normaliseInvoice(OPENAI.toString('utf8'), 'openai-costs', key);
    expect(result).toMatchObject({ status: 'imported', key, format: 'openai-costs', lines: expected.length });
    expect(result.status === 'imported' && result.costsKey).toMatch(
      /^costs\/openai-costs\/[0-9a-f]{32}\.parquet$/,
    );
    const costs = (await keys()).filter((k) => k.startsWith('costs/'));
    expect(costs).toHaveLength(1);
    expect(await keys()).toContain(key);
    const rows = await parquetRows(await read(costs[0] as string));
    expect(rows).toEqual(expected.map((line) => asStored({ ...line, ingested_at: NOW })));
    expect(rows.every((row) => row.source_file === key && row.currency === 'USD')).toBe(true);
  });

  it('uploaded twice (same key, then another name) is stored once', async () => {
    const { deps, upload, keys } = await lake();
    await upload('invoices/openai-costs/october.json', OPENAI);
    const first = await processInvoiceObject('invoices/openai-costs/october.json', deps);
    await upload('invoices/openai-costs/october.json', OPENAI);
    const again = await processInvoiceObject('invoices/openai-costs/october.json', deps);
    await upload('invoices/openai-costs/october (copy).json', OPENAI);
    const copy = await processInvoiceObject('invoices/openai-costs/october (copy).json', deps);

    expect(first.status).toBe('imported');
    expect(again.status).toBe('already imported');
    expect(copy.status).toBe('already imported');
    expect((await keys()).filter((k) => k.startsWith('costs/'))).toHaveLength(1);
  });
});

describe('a refused file', () => {
  async function rejected(key: string, body: Uint8Array | string) {
    const { deps, upload, keys, read } = await lake();
    await upload(key, body);
    const result = await processInvoiceObject(key, deps);
    if (result.status !== 'rejected') throw new Error(`expected rejected, got ${JSON.stringify(result)}`);
    const report = JSON.parse(
      Buffer.from(await read(result.reportKey)).toString('utf8'),
    ) as InvoiceErrorReport;
    return { result, report, keys: await keys(), moved: await read(result.rejectedKey) };
  }

  it('malformed: moved to invoices/rejected/ with a report naming file, position and field; nothing under costs/', async () => {
    // Prepare: the second result's amount is text that is not a number.
    const key = 'invoices/openai-costs/bad-2026-10.json';
    const body = OPENAI.toString('utf8').replace('"value": 0.21', '"value": "0,21"');

    // Act
    const { result, report, keys, moved } = await rejected(key, body);

    // Assess
    expect(result.rejectedKey).toBe('invoices/rejected/openai-costs/bad-2026-10.json');
    expect(result.reportKey).toBe('invoices/rejected/openai-costs/bad-2026-10.json.error.json');
    expect(keys).toEqual([result.rejectedKey, result.reportKey]);
    expect(Buffer.from(moved).toString('utf8')).toBe(body);
    expect(report).toEqual({
      file: key,
      position: expect.stringMatching(/page 1.*data\[0\]\.results\[1\]/),
      field: expect.stringMatching(/amount/),
      message: expect.stringContaining('"0,21"'),
      at: '2026-11-03T09:30:00.000Z',
    });
    expect(report.message).not.toContain(key);
  });

  it('in an unknown format folder: rejected under its folder name, field format', async () => {
    const { result, report, keys } = await rejected('invoices/unknown/x.json', OPENAI);
    expect(result.rejectedKey).toBe('invoices/rejected/unknown/x.json');
    expect(report).toMatchObject({ file: 'invoices/unknown/x.json', position: 'key', field: 'format' });
    expect(report.message).toContain('unknown format folder "unknown"');
    expect(keys.some((k) => k.startsWith('costs/'))).toBe(false);
    expect(keys).not.toContain('invoices/unknown/x.json');
  });

  it('not UTF-8: rejected, field encoding', async () => {
    const { report } = await rejected(
      'invoices/focus/latin1.csv',
      Buffer.from([0x42, 0x69, 0x6c, 0xe9, 0x0a]),
    );
    expect(report).toMatchObject({ position: 'whole file', field: 'encoding', message: 'not UTF-8 text' });
  });

  it('not in USD: rejected like the CLI refuses it, field currency', async () => {
    const body = OPENAI.toString('utf8').replace('"currency": "usd"', '"currency": "eur"');
    const { report, keys } = await rejected('invoices/openai-costs/eur.json', body);
    expect(report).toMatchObject({ position: 'page 1, data[0].results[0]', field: 'amount.currency' });
    expect(report.message).toBe('"EUR": only USD is supported (reports are in USD)');
    expect(keys.some((k) => k.startsWith('costs/'))).toBe(false);
  });
});

describe('keys that are not invoices to import', () => {
  it.each([
    ['invoices/rejected/openai-costs/bad.json', 'already under invoices/rejected/'],
    ['invoices/openai-costs/', 'a folder marker'],
    ['events/dt=2026-10-01/x.parquet', 'not under invoices/'],
    ['invoices/openai-costs/gone.json', 'no object at this key'],
  ])('%s is skipped, and nothing is written or moved', async (key, reason) => {
    const { deps, upload, keys } = await lake();
    if (key.startsWith('invoices/rejected/')) await upload(key, 'x');
    const before = await keys();
    const result = await processInvoiceObject(key, deps);
    expect(result).toMatchObject({ status: 'skipped', key });
    expect(result.status === 'skipped' && result.reason).toContain(reason);
    expect(await keys()).toEqual(before);
  });
});

describe('the invoice handler with an S3 event', () => {
  it('decodes the URL-encoded key (+ for a space) and imports the file', async () => {
    // Prepare
    const { bucket, deps, upload, keys } = await lake();
    await upload('invoices/openai-costs/October 2026 (final).json', OPENAI);
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const handler = createInvoiceHandler({ ...deps, bucket, logger });

    // Act
    const results = await handler(s3Event(bucket, ['invoices/openai-costs/October+2026+%28final%29.json']));

    // Assess
    expect(results).toMatchObject([
      { status: 'imported', key: 'invoices/openai-costs/October 2026 (final).json' },
    ]);
    expect((await keys()).filter((k) => k.startsWith('costs/openai-costs/'))).toHaveLength(1);
    const lines = normaliseInvoice(OPENAI.toString('utf8'), 'openai-costs', 'x').length;
    expect(logger.info).toHaveBeenCalledWith('invoice imported', expect.objectContaining({ lines }));
  });

  it('handles a refused file without failing the invocation', async () => {
    const { bucket, deps, upload, keys } = await lake();
    await upload('invoices/focus/empty file.csv', '');
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const results = await createInvoiceHandler({ ...deps, bucket, logger })(
      s3Event(bucket, ['invoices/focus/empty+file.csv']),
    );
    expect(results).toMatchObject([
      { status: 'rejected', rejectedKey: 'invoices/rejected/focus/empty file.csv' },
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.error).not.toHaveBeenCalled();
    expect(await keys()).toEqual([
      'invoices/rejected/focus/empty file.csv',
      'invoices/rejected/focus/empty file.csv.error.json',
    ]);
  });

  it('fails the invocation when the lake cannot be written (so Lambda retries), after the other records, and moves nothing', async () => {
    // Prepare: writes under costs/ fail; a refused file in the same event is still handled.
    const { bucket, deps, upload, keys } = await lake();
    await upload('invoices/openai-costs/october.json', OPENAI);
    await upload('invoices/unknown/x.json', 'x');
    const store = new FailingStore(deps.store, (key) => key.startsWith('costs/'));
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const handler = createInvoiceHandler({ ...deps, store, bucket, logger });

    // Act
    const run = handler(s3Event(bucket, ['invoices/openai-costs/october.json', 'invoices/unknown/x.json']));

    // Assess
    await expect(run).rejects.toBeInstanceOf(InvoiceStorageError);
    await expect(run).rejects.toThrow(
      /invoices\/openai-costs\/october\.json: injected: cannot write costs\//,
    );
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(await keys()).toEqual([
      'invoices/openai-costs/october.json',
      'invoices/rejected/unknown/x.json',
      'invoices/rejected/unknown/x.json.error.json',
    ]);
  });

  it('skips records of another bucket and events other than ObjectCreated', async () => {
    const { bucket, deps, upload, keys } = await lake();
    await upload('invoices/openai-costs/october.json', OPENAI);
    const handler = createInvoiceHandler({ ...deps, bucket });
    const other = await handler(s3Event('someone-elses-bucket', ['invoices/openai-costs/october.json']));
    const removed = await handler(
      s3Event(bucket, ['invoices/openai-costs/october.json'], 'ObjectRemoved:Delete'),
    );
    expect([...other, ...removed].map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(await keys()).toEqual(['invoices/openai-costs/october.json']);
  });

  it('the deployed module reads LAKE_BUCKET at start-up and uses the default S3 client', async () => {
    // Prepare: the SDK's default client pointed at s3rver through the environment, as a Lambda's would be.
    const { bucket, upload, keys } = await lake();
    await upload(
      'invoices/anthropic-cost-report/oct 2026.json',
      readFileSync(new URL('../fixtures/invoices/anthropic-cost-report-2026-10.json', import.meta.url)),
    );
    vi.stubEnv('LAKE_BUCKET', bucket);
    stubLocalAwsEnv({ s3: await endpointUrl(s3.s3.config) });
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');

    // Act
    const { handler } = await import('../../lambdas/invoice/handler.ts');
    const results = await handler(s3Event(bucket, ['invoices/anthropic-cost-report/oct+2026.json']));

    // Assess
    expect(results).toMatchObject([{ status: 'imported', format: 'anthropic-cost-report' }]);
    expect((await keys()).filter((k) => k.startsWith('costs/anthropic-cost-report/'))).toHaveLength(1);
  });
});

describe('s3EventKey', () => {
  it('decodes + as a space and percent escapes, and keeps an encoded + as +', () => {
    expect(s3EventKey('invoices/focus/bedrock+2026-10+%281%29.csv')).toBe(
      'invoices/focus/bedrock 2026-10 (1).csv',
    );
    expect(s3EventKey('invoices/focus/c%2B%2B.csv')).toBe('invoices/focus/c++.csv');
    expect(s3EventKey('invoices/focus/%C3%A9t%C3%A9.csv')).toBe('invoices/focus/été.csv');
  });
});
