import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { endpointUrl, stubLocalAwsEnv } from '../helpers/aws-env.ts';
import { bundleReportJobLambda, type LambdaBundle, lambdaContainer } from '../helpers/bundled-handler.ts';
import { kinesisEvent, line, wireEvent } from '../helpers/factories.ts';
import { type ReportJobAws, startReportJobAws } from '../helpers/report-job-aws.ts';

// Each Lambda handler that logs with Powertools adds the invocation's Lambda context to its logger, so every line
// it logs carries function_request_id (the awsRequestId), cold_start and function_name. The handlers are the
// deployed modules (lambdas/<name>/handler.ts), their default SDK clients pointed through the environment at the
// local endpoints of test/helpers/report-job-aws.ts (s3rver, dynalite, a local Athena and SES). Powertools writes
// each line as JSON through a Console on process.stdout, so the lines are captured with a spy on
// process.stdout.write while a handler runs.

// The report job is its deployed package (bundleReportJobLambda: the CDK app's bundle of lambdas/report-job/handler.ts,
// with queries/reports/ copied next to it), loaded by Node as Lambda loads it, in the environment stubbed below.

const DAY = '2026-11-01';
const INVOICE_KEY = 'invoices/anthropic-cost-report/oct-2026.json';

let aws: ReportJobAws;
let lakeBucket: string;
let reportJobBundle: LambdaBundle;

beforeAll(async () => {
  reportJobBundle = await bundleReportJobLambda();
  aws = await startReportJobAws({
    buildLake: async (lake) => {
      await lake.events([0, 1, 2].map((h) => wireEvent({ ts: `${DAY}T0${h}:00:00Z`, customer_id: 'cus_1' })));
    },
    registryTable: 'prompt-registry',
    bucketPrefix: 'context-lake-',
    deliveriesPrefix: 'context-deliveries-',
  });
  // The waste job's environment (no recipients: nothing to send); the ingest and invoice functions share its bucket.
  const env = await aws.jobEnv('waste', { ATHENA_WORKGROUP: 'tokenledger', GLUE_DATABASE: 'tokenledger' });
  lakeBucket = env.LAKE_BUCKET as string;
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  stubLocalAwsEnv({
    s3: await endpointUrl(aws.s3.config),
    athena: aws.athena.endpoint,
    dynamodb: aws.dynamo.endpoint,
    sesv2: aws.ses.endpoint,
  });
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'tokenledger-test');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: lakeBucket,
      Key: INVOICE_KEY,
      Body: readFileSync(new URL('../fixtures/invoices/anthropic-cost-report-2026-10.json', import.meta.url)),
    }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await aws?.stop();
  await reportJobBundle?.remove();
});

/** The context Lambda passes a function named `functionName` for the invocation `awsRequestId`. */
function lambdaContext(functionName: string, awsRequestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/02/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The JSON lines written to stdout while `run` runs. */
async function loggedLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as Record<string, unknown>);
}

function s3Event(bucket: string, key: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-11-03T09:30:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '203.0.113.7' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'example' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'tokenledger-invoices',
          bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replaceAll('%2F', '/'), size: 1, eTag: 'e', sequencer: '1' },
        },
      },
    ],
  };
}

type Invoke = (context: Context) => Promise<unknown>;

describe('Lambda handlers log with the invocation context', () => {
  it.each<[string, string, () => Promise<Invoke>]>([
    [
      'ingest',
      'ingest batch',
      async () => {
        const { handler } = await import('../../lambdas/ingest/handler.ts');
        return (context) => handler(kinesisEvent([[line(wireEvent())]]), context);
      },
    ],
    [
      'invoice',
      'invoice ', // "invoice imported", then "invoice already imported" (the same object again)
      async () => {
        const { handler } = await import('../../lambdas/invoice/handler.ts');
        return (context) => handler(s3Event(lakeBucket, INVOICE_KEY), context);
      },
    ],
    [
      'report-job',
      'report written',
      async () => {
        // A container of the package, in the environment stubbed in beforeAll.
        const { handler } = await lambdaContainer(reportJobBundle, { ...process.env });
        return (context) => handler({ scheduledTime: '2026-11-02T06:00:00.000Z' }, context);
      },
    ],
  ])(
    'lambdas/%s/handler.ts: its "%s…" line carries the request id of each invocation',
    async (lambda, prefix, load) => {
      // Prepare: the module as Lambda loads it, once per container.
      const invoke = await load();
      const functionName = `tokenledger-${lambda}`;

      // Act: two invocations of the same container.
      const first = await loggedLines(() => invoke(lambdaContext(functionName, `${lambda}-request-1`)));
      const second = await loggedLines(() => invoke(lambdaContext(functionName, `${lambda}-request-2`)));

      // Assess: the line of each invocation carries its own request id; only the first is a cold start.
      const lineOf = (lines: Record<string, unknown>[]) =>
        lines.find((l) => typeof l.message === 'string' && l.message.startsWith(prefix));
      expect(lineOf(first)).toMatchObject({
        function_request_id: `${lambda}-request-1`,
        function_name: functionName,
        cold_start: true,
        service: 'tokenledger-test',
      });
      expect(lineOf(second)).toMatchObject({
        function_request_id: `${lambda}-request-2`,
        function_name: functionName,
        cold_start: false,
      });
      // Every line either invocation logged has the context, not just the one looked at.
      for (const [lines, id] of [
        [first, `${lambda}-request-1`],
        [second, `${lambda}-request-2`],
      ] as const) {
        expect(lines.length).toBeGreaterThan(0);
        for (const logged of lines) expect(logged.function_request_id).toBe(id);
      }
    },
  );
});
