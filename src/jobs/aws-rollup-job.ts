import type { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryRunner } from '../adapters/athena/athena-query-runner.ts';
import { S3LakeStore } from '../adapters/s3/s3-lake-store.ts';
import { queryDayWriter, type RollupDependencies } from './rollup-job.ts';
import type { RollupJobConfig } from './rollup-job-handler.ts';

export interface AwsRollupClients {
  athena: AthenaClient;
  s3: S3Client;
}

export interface AwsRollupJobOptions {
  /** The SQL text of a query file (a path under queries/). */
  readQuery: (queryFile: string) => string;
  /** Time between two `GetQueryExecution` calls (default the runner's). */
  pollIntervalMs?: number;
  now?: () => Date;
}

/**
 * The rollup job's dependencies in AWS: Athena through the workgroup computes each rollup table's rows of the
 * days to roll, and the function writes them as Parquet under rollups/ of the lake bucket (docs/rollups.md). The
 * report jobs roll up the days they read through the same.
 */
export function awsRollupJobDependencies(
  config: Pick<RollupJobConfig, 'workGroup' | 'database' | 'lakeBucket'>,
  clients: AwsRollupClients,
  options: AwsRollupJobOptions,
): RollupDependencies {
  const queries = new AthenaQueryRunner({
    athena: clients.athena,
    workGroup: config.workGroup,
    database: config.database,
    readQuery: options.readQuery,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  const lake = new S3LakeStore(clients.s3, config.lakeBucket);
  return {
    lake,
    queries,
    writeDays: queryDayWriter(lake, queries),
    now: options.now ?? (() => new Date()),
  };
}
