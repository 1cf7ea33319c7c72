import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { grantBucketKey } from './bucket-key.ts';
import { runQueriesStatement } from './query-workgroup.ts';

/** What a role's Athena queries read, and where their results go. */
export interface LakeQueryGrant {
  /** The Athena workgroup's ARN, the only resource of the Athena grant. */
  readonly workGroupArn: string;
  /** The Glue database of the tables and views. */
  readonly databaseName: string;
  /** The lake tables the queries read (by name), and the views (Athena stores them as Glue tables). */
  readonly tableNames: readonly string[];
  readonly viewNames: readonly string[];
  /** The lake bucket, and the distinct key prefixes of those tables (each ending in `/`). */
  readonly lakeBucket: IBucket;
  readonly prefixes: readonly string[];
  /** The workgroup's results bucket, and its objects under the workgroup's output location (`<prefix>*`). */
  readonly resultsBucket: IBucket;
  readonly resultObjectsArn: string;
}

/**
 * Grants `role` what running queries through the workgroup needs, and nothing more: Athena in the one workgroup;
 * the read-only catalog entries of the database, its tables and views by name; `s3:GetObject` on the tables'
 * prefixes (Athena reads with the caller's credentials) and listing the lake only under those prefixes
 * (`s3:prefix`); the query results, both ways. The report jobs and the rollup job share it.
 */
export function grantLakeQueries(scope: Construct, role: Role, grant: LakeQueryGrant): void {
  const stack = Stack.of(scope);
  role.addToPolicy(runQueriesStatement(grant.workGroupArn));
  const tableArn = (name: string) =>
    stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${grant.databaseName}/${name}` });
  role.addToPolicy(
    new PolicyStatement({
      // Read-only catalog access a SELECT needs; the partition reads matter only for a table without projection.
      actions: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
      ],
      resources: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: grant.databaseName }),
        ...grant.tableNames.map(tableArn),
        ...grant.viewNames.map(tableArn),
      ],
    }),
  );
  // Athena reads the tables' objects with the caller's credentials, and lists their prefixes.
  role.addToPolicy(
    new PolicyStatement({
      actions: ['s3:GetObject'],
      resources: grant.prefixes.map((prefix) => grant.lakeBucket.arnForObjects(`${prefix}*`)),
    }),
  );
  role.addToPolicy(
    new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [grant.lakeBucket.bucketArn] }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [grant.lakeBucket.bucketArn],
      // Listing only the prefixes of the tables it reads (Athena lists them to find the files).
      conditions: { StringLike: { 's3:prefix': grant.prefixes.map((p) => `${p}*`) } },
    }),
  );
  // Athena writes each query's result under the workgroup's output location; GetQueryResults reads it back.
  role.addToPolicy(
    new PolicyStatement({
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [grant.resultsBucket.bucketArn],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [grant.resultObjectsArn],
    }),
  );
  // With SSE-KMS buckets: the results both ways.
  grantBucketKey(role, grant.resultsBucket, 'readWrite');
}

/**
 * Grants `role` rolling days up (docs/rollups.md): writing each day's new roll under `rollups/` and removing the
 * day's older ones (it lists them through the `rollups/` listing its queries have), with the lake's key both ways
 * when the lake is SSE-KMS. The rollup job and the report jobs, which roll up the days they read first, share it.
 * Returns the ARN of the objects granted, `<lake>/rollups/*`.
 */
export function grantRollUp(role: Role, lakeBucket: IBucket): string {
  const rollupObjectsArn = lakeBucket.arnForObjects('rollups/*');
  grantBucketKey(role, lakeBucket, 'readWrite');
  role.addToPolicy(
    new PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [rollupObjectsArn] }),
  );
  return rollupObjectsArn;
}
