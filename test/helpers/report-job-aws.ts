import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type AwsClients, awsReportJobDependencies } from '../../src/jobs/aws-report-job.ts';
import { createReportJobHandler, reportJobConfig } from '../../src/jobs/report-job-handler.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { type LocalAthena, startLocalAthena } from './athena-endpoint.ts';
import { endpointUrl } from './aws-env.ts';
import {
  type ContainerOptions,
  type LambdaBundle,
  type LambdaContainer,
  lambdaContainer,
  localSdkEnv,
} from './bundled-handler.ts';
import { type LocalDynamo, startDynalite } from './dynalite.ts';
import { LakeFixture } from './lake-fixture.ts';
import { startS3 } from './s3rver.ts';
import { type LocalSes, startLocalSes } from './ses-endpoint.ts';
import { type LocalSns, startLocalSns } from './sns-endpoint.ts';
import { tempDir } from './temp-dir.ts';

/** The SQL of a query file, as the Lambda bundle carries it. */
export const readQuery = (file: string) => readFileSync(join(QUERIES_DIR, file), 'utf8');

/**
 * What a report job Lambda talks to, all on 127.0.0.1: a local Athena endpoint over a LakeFixture lake, dynalite
 * (with the prompt registry table), s3rver, a local SES v2 endpoint and a local SNS endpoint — and the real SDK
 * clients for them.
 *
 * Two ways to run a job over them: `container` loads the deployed package (lambdas/report-job/handler.ts as the CDK
 * app bundles it, see bundled-handler.ts) with the job's environment and the SDK's endpoint variables, so its own
 * wiring runs; `handler` rebuilds that wiring from the source modules, only for tests that swap an SDK client for a
 * fake that injects a fault (the deployed module builds its own clients).
 */
export interface ReportJobAws {
  lakeDir: string;
  athena: LocalAthena;
  dynamo: LocalDynamo;
  s3: S3Client;
  ses: LocalSes;
  /** The local SNS endpoint the alerts job pages through (topics made with `sns.createTopic`). */
  sns: LocalSns;
  clients: AwsClients;
  /**
   * The environment the CDK stack gives one job — `base` plus REPORT_KIND — over a lake bucket and a deliveries
   * table of its own, so each case starts with no reports and no delivery records. `undefined` removes a variable.
   */
  jobEnv(
    kind: string,
    base: Record<string, string>,
    overrides?: Record<string, string | undefined>,
  ): Promise<NodeJS.ProcessEnv>;
  /**
   * The SDK's standard environment variables (AWS_ENDPOINT_URL_<SERVICE>, AWS_REGION, credentials) pointing a
   * handler module's default clients at these emulators.
   */
  sdkEnv: Record<string, string>;
  /**
   * A Lambda container of the deployed report-job package `bundle` (bundleReportJobLambda), with `env` (a jobEnv)
   * plus `sdkEnv`: the real lambdas/report-job/handler.ts reads its config, builds its SDK clients and reads its
   * queries from the package, as in Lambda.
   */
  container<R = unknown>(
    bundle: LambdaBundle,
    env: NodeJS.ProcessEnv,
    options?: ContainerOptions,
  ): Promise<LambdaContainer<unknown, unknown, R>>;
  /**
   * The wiring of lambdas/report-job/handler.ts rebuilt from `env` (reportJobConfig, awsReportJobDependencies,
   * createReportJobHandler) over this helper's clients, with a 2 ms poll interval and the clock at `now`. It is not
   * the deployed module: use it only where a test must replace a client (`clients`) with a fake that injects a
   * fault the emulators cannot produce; `container` runs the real handler.
   */
  handler(
    env: NodeJS.ProcessEnv,
    options: {
      now: Date;
      logger: Parameters<typeof createReportJobHandler>[2];
      clients?: Partial<AwsClients>;
    },
  ): { config: ReturnType<typeof reportJobConfig>; handler: ReturnType<typeof createReportJobHandler> };
  keysUnder(bucket: string, prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startReportJobAws(options: {
  /** Builds the lake the Athena endpoint reads (it lists the lake's files at each query, as Athena does). */
  buildLake: (lake: LakeFixture) => Promise<void>;
  registryTable: string;
  /** Names of the per-job buckets and deliveries tables: `<prefix><n>`. */
  bucketPrefix: string;
  deliveriesPrefix: string;
}): Promise<ReportJobAws> {
  // The lake as built, copied into each job's bucket; Athena reads the job's bucket (mirrored into its own folder).
  const lake = await tempDir('tokenledger-report-job-aws-');
  const mirror = await tempDir('tokenledger-report-job-athena-');
  await options.buildLake(new LakeFixture(lake.dir));
  const [dynamo, localS3, ses, sns] = await Promise.all([
    startDynalite(),
    startS3(`${options.bucketPrefix}0`),
    startLocalSes(),
    startLocalSns(),
  ]);
  const { s3 } = localS3;
  const athena = await startLocalAthena({ lakeDir: mirror.dir, s3 });
  const clients: AwsClients = {
    athena: athena.client,
    dynamo: dynamo.client,
    s3,
    ses: ses.newClient(),
    sns: sns.newClient(),
  };
  await dynamo.createTable(options.registryTable, 'prompt_id', 'version');
  const sdkEnv = localSdkEnv({
    athena: athena.endpoint,
    dynamodb: dynamo.endpoint,
    s3: await endpointUrl(s3.config),
    sesv2: ses.endpoint,
    sns: sns.endpoint,
  });
  let resources = 0;
  return {
    lakeDir: lake.dir,
    athena,
    dynamo,
    s3,
    ses,
    sns,
    clients,
    jobEnv: async (kind, base, overrides = {}) => {
      const n = ++resources;
      const env: Record<string, string | undefined> = {
        REPORT_KIND: kind,
        ...base,
        LAKE_BUCKET: `${options.bucketPrefix}${n}`,
        REGISTRY_TABLE: options.registryTable,
        DELIVERIES_TABLE: `${options.deliveriesPrefix}${n}`,
        ...overrides,
      };
      await s3.send(new CreateBucketCommand({ Bucket: env.LAKE_BUCKET as string }));
      await copyIntoBucket(s3, lake.dir, env.LAKE_BUCKET as string);
      await dynamo.createTable(env.DELIVERIES_TABLE as string, 'report_id');
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      return env;
    },
    sdkEnv,
    container: async <R>(
      bundle: LambdaBundle,
      env: NodeJS.ProcessEnv,
      containerOptions?: ContainerOptions,
    ) => {
      const container = await lambdaContainer<unknown, unknown, R>(
        bundle,
        { ...env, ...sdkEnv },
        containerOptions,
      );
      // Athena reads the bucket of the job that runs: its lake.
      return {
        logs: container.logs,
        handler: (event: unknown, context?: unknown) => {
          athena.readBucket(env.LAKE_BUCKET ?? null);
          return container.handler(event, context);
        },
      };
    },
    handler: (env, { now, logger, clients: overrides = {} }) => {
      const config = reportJobConfig(env);
      athena.readBucket(config.lakeBucket);
      const handler = createReportJobHandler(
        config.kind,
        awsReportJobDependencies(
          config,
          { ...clients, ...overrides },
          { readQuery, pollIntervalMs: 2, now: () => now },
        ),
        logger,
      );
      return { config, handler };
    },
    keysUnder: async (bucket, prefix) => {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key as string).sort();
    },
    stop: async () => {
      clients.ses.destroy();
      clients.sns?.destroy();
      await Promise.all([athena.stop(), dynamo.stop(), localS3.stop(), ses.close(), sns.close()]);
      await lake.remove();
      await mirror.remove();
    },
  };
}

/** Puts every file under `dir` into `bucket`, keyed by its path under `dir`. */
async function copyIntoBucket(s3: S3Client, dir: string, bucket: string): Promise<void> {
  for (const file of readdirSync(dir, { recursive: true }).map(String)) {
    const path = join(dir, file);
    if (!statSync(path).isFile()) continue;
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: file.split(sep).join('/'), Body: readFileSync(path) }),
    );
  }
}
