import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { vi } from 'vitest';
import { IngestFunction } from '../../infra/constructs/ingest-function.ts';
import { REPO_ROOT } from '../../infra/constructs/node-bundling.ts';
import { ReportJob, type ReportQuerySources } from '../../infra/constructs/report-job.ts';
import { RollupJob } from '../../infra/constructs/rollup-job.ts';
import { UserHmacSecret } from '../../infra/constructs/user-hmac-secret.ts';
import { tempDir } from './temp-dir.ts';

/** A Lambda deployment package as the CDK app builds it, unzipped in a temporary directory. */
export interface LambdaBundle {
  /** The package's folder: index.mjs (the handler module), its source map and any extra files. */
  dir: string;
  /** `<dir>/index.mjs`, the file Lambda loads for the handler `index.handler`. */
  entry: string;
  /**
   * A fresh instance of the module `entry` (`?<instance>` makes its URL new, so Node evaluates it again), imported
   * by Node itself as Lambda's Node.js runtime imports it: untransformed by the test runner, its `import.meta.url`
   * the file's, its externals resolved by Node.
   */
  load(instance: string): Promise<Record<string, unknown>>;
  remove(): Promise<void>;
}

/**
 * The report-job function's package exactly as `cdk synth`/`cdk deploy` builds it: a `ReportJob` construct
 * (infra/constructs/report-job.ts) in a throwaway app, synthesised WITH bundling, so the package is the output of
 * tokenledgerFunction's NodejsFunction — the local esbuild with ESM_BUNDLING (infra/constructs/node-bundling.ts)
 * on lambdas/report-job/handler.ts, then its afterBundling hooks copying queries/reports/ next to index.mjs.
 * One package serves every kind (the job's environment picks the kind). Takes a few seconds: call it once per test
 * file, in `beforeAll`.
 *
 * The bundle leaves `@aws-sdk/*` to the Lambda runtime; here the repository's node_modules stands in for the
 * runtime's copy (a `node_modules` link next to the package), so the externals resolve as they would in Lambda.
 */
export async function bundleReportJobLambda(): Promise<LambdaBundle> {
  return bundleLambda('report-job', (stack) => {
    const table = (id: string) =>
      new TableV2(stack, id, { partitionKey: { name: 'k', type: AttributeType.STRING } });
    return new ReportJob(stack, 'Job', {
      kind: 'waste',
      schedule: 'cron(0 6 * * ? *)',
      timeZone: 'UTC',
      recipients: [],
      sources: bundleSources(stack),
      registryTable: table('Registry'),
      deliveriesTable: table('Deliveries'),
      alarmTopic: new Topic(stack, 'Topic'),
    }).function;
  });
}

/**
 * The rollup-job function's package exactly as `cdk synth`/`cdk deploy` builds it (a `RollupJob` construct,
 * infra/constructs/rollup-job.ts, synthesised with bundling: lambdas/rollup-job/handler.ts by the local esbuild,
 * then queries/rollups/ copied next to index.mjs). As {@link bundleReportJobLambda}: once per test file.
 */
export async function bundleRollupJobLambda(): Promise<LambdaBundle> {
  return bundleLambda(
    'rollup-job',
    (stack) =>
      new RollupJob(stack, 'Job', { sources: bundleSources(stack), alarmTopic: new Topic(stack, 'Topic') })
        .function,
  );
}

/**
 * The ingest function's package exactly as `cdk synth`/`cdk deploy` builds it (an `IngestFunction` construct,
 * infra/constructs/ingest-function.ts, synthesised with bundling: lambdas/ingest/handler.ts by the local esbuild,
 * `@aws-sdk/*` left to the runtime). Its environment (LAKE_BUCKET, USER_HMAC_SECRET, OTLP_*) is the test's to give.
 * As {@link bundleReportJobLambda}: once per test file.
 */
export async function bundleIngestLambda(): Promise<LambdaBundle> {
  return bundleLambda(
    'ingest',
    (stack) =>
      new IngestFunction(stack, 'Ingest', {
        stream: Stream.fromStreamArn(stack, 'Stream', 'arn:aws:kinesis:us-east-1:123456789012:stream/events'),
        lakeBucket: Bucket.fromBucketName(stack, 'Lake', 'lake'),
        failedRecordsBucket: Bucket.fromBucketName(stack, 'Failed', 'failed'),
        userHmacSecret: new UserHmacSecret(stack, 'Secret'),
      }).function,
  );
}

/** Query sources for a throwaway job: only the bundle matters. */
function bundleSources(stack: Stack): ReportQuerySources {
  return {
    lakeBucket: Bucket.fromBucketName(stack, 'Lake', 'lake'),
    databaseName: 'tokenledger',
    workGroupName: 'tokenledger',
    resultsBucket: Bucket.fromBucketName(stack, 'Results', 'results'),
    resultsPrefix: 'results/',
    tables: [{ tableName: 'events', prefix: 'events/' }],
    viewNames: [],
  };
}

/** The package of the function `build` creates in a throwaway app, synthesised with bundling. */
async function bundleLambda(name: string, build: (stack: Stack) => IFunction): Promise<LambdaBundle> {
  const out = await tempDir(`tokenledger-${name}-bundle-`);
  try {
    const app = new App({ outdir: out.dir }); // no 'aws:cdk:bundling-stacks' context: every stack is bundled
    const fn = build(new Stack(app, 'Bundle'));
    app.synth();
    // Function.code.bind() stages the package as the function's `Code` asset.
    const asset = fn.node.findChild('Code') as Asset;
    const dir = join(out.dir, asset.assetPath);
    const entry = join(dir, 'index.mjs');
    if (!existsSync(entry)) throw new Error(`the ${name} package has no index.mjs: ${dir}`);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(out.dir, 'node_modules'), 'dir');
    // Vitest evaluates test code in a way whose import() goes through Vite; a CommonJS file required natively gets
    // Node's own import().
    const shim = join(out.dir, 'native-import.cjs');
    writeFileSync(shim, 'module.exports = (specifier) => import(specifier);\n');
    const nativeImport = createRequire(import.meta.url)(shim) as (
      specifier: string,
    ) => Promise<Record<string, unknown>>;
    const url = pathToFileURL(entry).href;
    return {
      dir,
      entry,
      load: (instance) => nativeImport(`${url}?${encodeURIComponent(instance)}`),
      remove: out.remove,
    };
  } catch (err) {
    await out.remove();
    throw err;
  }
}

/** The environment that points the SDK's default clients, as a handler module builds them, at local emulators. */
export interface LocalSdkEndpoints {
  athena: string;
  dynamodb: string;
  s3: string;
  sesv2: string;
  /** The spend alerts' pages. */
  sns?: string;
}

/**
 * The standard SDK variables of a Lambda environment, aimed at the emulators: the service-specific endpoint
 * variables (`AWS_ENDPOINT_URL_<SERVICE>`), a region and static credentials (s3rver checks the signature of its
 * fixed S3RVER key; the others accept any). An `http://127.0.0.1:<port>` endpoint is an IP address, for which the
 * S3 endpoint rules address buckets path-style, so s3rver needs no `forcePathStyle` (which no variable sets).
 * Checksums only when required: s3rver would otherwise store a streamed body with its chunk framing.
 */
export function localSdkEnv(endpoints: LocalSdkEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ATHENA: endpoints.athena,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SESV2: endpoints.sesv2,
    ...(endpoints.sns ? { AWS_ENDPOINT_URL_SNS: endpoints.sns } : {}),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

/** One JSON line the handler's logger wrote (Powertools: one JSON object per line, on stdout or stderr). */
export type LoggedLine = Record<string, unknown>;

export interface LambdaContainer<E, C, R> {
  /** The module's exported `handler`, called with process.env set to this container's environment. */
  handler(event: E, context?: C): Promise<R>;
  /** The JSON lines the module logged during this container's calls (with `captureLogs`), in order. */
  logs: LoggedLine[];
}

/**
 * There is deliberately no fake clock: the SDK corrects its clock from the emulators' `Date` response headers,
 * which Node stamps with the real time, so a faked `Date` would sign S3 requests 'too skewed' for s3rver. Tests
 * give the run's time in the event (`scheduledTime`, as the scheduler does) and check stamps against the real clock.
 */
export interface ContainerOptions {
  /** Capture the JSON lines written to stdout and stderr during each call into `logs` (and keep them off the console). */
  captureLogs?: boolean;
}

let containers = 0;
/** The environment of the call in progress, and how many calls share it. */
let active: { env: Record<string, string | null>; depth: number; restore: () => void } | undefined;

/**
 * A Lambda container of `bundle`: a fresh instance of its module (a query string of its own, so Node evaluates it
 * anew: config read and SDK clients built at load, as on a cold start), loaded with process.env set to `env`. The
 * SDK clients read their endpoints, region and credentials from the environment lazily, at their calls, so each
 * call of `handler` sets process.env to `env` again for its duration — the test process's own `AWS_*` and
 * `POWERTOOLS_*` variables removed, `undefined` in `env` unsetting one — and restores it afterwards. Calls of containers with different
 * environments must not overlap, nor calls that capture logs.
 */
export async function lambdaContainer<E = unknown, C = unknown, R = unknown>(
  bundle: LambdaBundle,
  env: NodeJS.ProcessEnv,
  options: ContainerOptions = {},
): Promise<LambdaContainer<E, C, R>> {
  const vars = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value ?? null]));
  const logs: LoggedLine[] = [];
  const within = async <T>(run: () => Promise<T>): Promise<T> => {
    const release = enter(vars);
    const chunks: string[] = [];
    const spies = options.captureLogs
      ? [process.stdout, process.stderr].map((stream) =>
          vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
            chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
            return true;
          }),
        )
      : [];
    try {
      return await run();
    } finally {
      for (const spy of spies) spy.mockRestore();
      release();
      for (const text of chunks.join('').split('\n')) {
        if (text.startsWith('{')) logs.push(JSON.parse(text) as LoggedLine);
      }
    }
  };
  const module = await within(() => bundle.load(`container-${++containers}`));
  const handler = module.handler as (event: E, context?: C) => Promise<R>;
  if (typeof handler !== 'function') throw new Error(`${bundle.entry} exports no handler function`);
  return { handler: (event, context) => within(() => handler(event, context)), logs };
}

/**
 * Sets process.env for one call: the test process's variables without its `AWS_*` and
 * `POWERTOOLS_*` ones, then `env` (a null value unsets the variable). Returns what undoes it once the last
 * overlapping call is done.
 */
function enter(env: Record<string, string | null>): () => void {
  if (active) {
    if (JSON.stringify(active.env) !== JSON.stringify(env)) {
      throw new Error('calls of Lambda containers with different environments overlap');
    }
    active.depth++;
  } else {
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('AWS_') || name.startsWith('POWERTOOLS_')) delete process.env[name];
    }
    for (const [name, value] of Object.entries(env)) {
      if (value === null) delete process.env[name];
      else process.env[name] = value;
    }
    active = {
      env,
      depth: 1,
      restore: () => {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        Object.assign(process.env, saved);
      },
    };
  }
  return () => {
    if (!active) return;
    active.depth--;
    if (active.depth === 0) {
      const { restore } = active;
      active = undefined;
      restore();
    }
  };
}
