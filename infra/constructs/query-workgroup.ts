import { Duration } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PrivateBucket } from './private-bucket.ts';
import { checkInteger, checkPattern } from './prop-checks.ts';

/** What a role needs to run queries through a workgroup and read their results (the workgroup only). */
export function runQueriesStatement(workGroupArn: string): PolicyStatement {
  return new PolicyStatement({
    actions: [
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StopQueryExecution',
    ],
    resources: [workGroupArn],
  });
}

/** 10 GiB: the default per-query scan limit. */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

export interface QueryWorkgroupProps {
  /** Where the results bucket's server access logs go. */
  readonly serverAccessLogsBucket: IBucket;
  /**
   * Name of the Athena workgroup.
   *
   * @default 'tokenledger'
   */
  readonly workGroupName?: string;
  /**
   * A query that scans more bytes than this is cancelled. Athena's minimum is 10 MB (10,000,000 bytes).
   *
   * @default 10 GiB (10737418240 bytes)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * How long query result files are kept in the results bucket.
   *
   * @default Duration.days(30)
   */
  readonly resultsExpiration?: Duration;
  /**
   * Encrypt the results bucket, and every query result, with this customer managed KMS key (SSE-KMS).
   *
   * @default - S3-managed keys (SSE-S3)
   */
  readonly encryptionKey?: IKey;
}

/**
 * The Athena workgroup finance queries through, with its own results bucket: the workgroup's settings are
 * enforced (clients cannot point results elsewhere or skip encryption), each query has a scan limit, results
 * are SSE-S3 encrypted, the engine is Athena v3 and per-query metrics go to CloudWatch.
 */
export class QueryWorkgroup extends Construct {
  /** The workgroup name. */
  public readonly workGroupName: string;
  /** The L1 workgroup resource. */
  public readonly workGroup: CfnWorkGroup;
  /** The bucket query results are written to (under `results/`). */
  public readonly resultsBucket: PrivateBucket;

  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    const owner = `QueryWorkgroup ${id}`;
    this.workGroupName = props.workGroupName ?? 'tokenledger';
    checkPattern(
      this,
      owner,
      'workGroupName',
      this.workGroupName,
      /^[a-zA-Z0-9._-]{1,128}$/,
      '1-128 of [a-zA-Z0-9._-]',
    );
    const bytesScannedCutoffPerQuery = props.bytesScannedCutoffPerQuery ?? DEFAULT_BYTES_SCANNED_CUTOFF;
    checkInteger(
      this,
      owner,
      'bytesScannedCutoffPerQuery',
      bytesScannedCutoffPerQuery,
      10_000_000,
      Number.MAX_SAFE_INTEGER,
    );

    this.resultsBucket = new PrivateBucket(this, 'ResultsBucket', {
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      encryptionKey: props.encryptionKey,
      serverAccessLogsPrefix: 'athena-results/',
      expiration: props.resultsExpiration ?? Duration.days(30),
    });

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'tokenledger: margin, waste and governance queries over the lake',
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject('results/'),
          // Enforced with the output location: results are encrypted like the data they come from.
          encryptionConfiguration: props.encryptionKey
            ? { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
