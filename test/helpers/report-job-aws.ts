import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type AwsClients, awsReportJobDependencies } from '../../src/jobs/aws-report-job.ts';
import { createReportJobHandler, reportJobConfig } from '../../src/jobs/report-job-handler.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { type LocalAthena, startLocalAthena } from './athena-endpoint.ts';
import { type LocalDynamo, startDynalite } from './dynalite.ts';
import { LakeFixture } from './lake-fixture.ts';
import { startS3 } from './s3rver.ts';
import { type LocalSes, startLocalSes } from './ses-endpoint.ts';
import { tempDir } from './temp-dir.ts';

/** The SQL of a query file, as the Lambda bundle carries it. */
export const readQuery = (file: string) => readFileSync(join(QUERIES_DIR, file), 'utf8');

/**
 * What a report job Lambda talks to, all on 127.0.0.1: a local Athena endpoint over a LakeFixture lake, dynalite
 * (with the prompt registry table), s3rver and a local SES v2 endpoint — and the real SDK clients for them.
 */
export interface ReportJobAws {
  lakeDir: string;
  athena: LocalAthena;
  dynamo: LocalDynamo;
  s3: S3Client;
  ses: LocalSes;
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
  /** The handler exactly as lambdas/report-job/handler.ts builds it from `env`. */
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
  /** Builds the lake the Athena endpoint reads (it reads the lake as it is when it starts). */
  buildLake: (lake: LakeFixture) => Promise<void>;
  registryTable: string;
  /** Names of the per-job buckets and deliveries tables: `<prefix><n>`. */
  bucketPrefix: string;
  deliveriesPrefix: string;
}): Promise<ReportJobAws> {
  const lake = await tempDir('tokenledger-report-job-aws-');
  await options.buildLake(new LakeFixture(lake.dir));
  const [athena, dynamo, localS3, ses] = await Promise.all([
    startLocalAthena({ lakeDir: lake.dir }),
    startDynalite(),
    startS3(`${options.bucketPrefix}0`),
    startLocalSes(),
  ]);
  const { s3 } = localS3;
  const clients: AwsClients = { athena: athena.client, dynamo: dynamo.client, s3, ses: ses.newClient() };
  await dynamo.createTable(options.registryTable, 'prompt_id', 'version');
  let resources = 0;
  return {
    lakeDir: lake.dir,
    athena,
    dynamo,
    s3,
    ses,
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
      await dynamo.createTable(env.DELIVERIES_TABLE as string, 'report_id');
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      return env;
    },
    handler: (env, { now, logger, clients: overrides = {} }) => {
      const config = reportJobConfig(env);
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
      await Promise.all([athena.stop(), dynamo.stop(), localS3.stop(), ses.close()]);
      await lake.remove();
    },
  };
}
