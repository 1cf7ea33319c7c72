import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { checkDuration } from './prop-checks.ts';

export interface PrivateBucketProps {
  /**
   * Where S3 server access logs of this bucket go. Only the access-log bucket itself goes without.
   *
   * @default - no server access logs
   */
  readonly serverAccessLogsBucket?: IBucket;
  /**
   * Key prefix of this bucket's access logs inside `serverAccessLogsBucket`.
   *
   * @default - the bucket's construct id, lower-cased, plus `/`
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * Keep object versions. Noncurrent versions expire after `noncurrentVersionExpiration`.
   *
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * How long noncurrent object versions are kept (only when `versioned`).
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Delete objects this long after they were written.
   *
   * @default - objects never expire
   */
  readonly expiration?: Duration;
  /**
   * Encrypt objects with this customer managed KMS key (SSE-KMS, with an S3 Bucket Key so S3 calls KMS once per
   * object batch rather than per object). Roles that read or write the bucket then need the key too
   * ({@link grantBucketKey}).
   *
   * @default - S3-managed keys (SSE-S3)
   */
  readonly encryptionKey?: IKey;
}

/**
 * An S3 bucket with the hygiene every tokenledger bucket shares: all public access blocked, TLS-only
 * bucket policy, S3-managed encryption (or SSE-KMS with a key of yours), bucket-owner-enforced ownership (no ACLs), kept when the stack is
 * deleted (RETAIN), and incomplete multipart uploads aborted after one day.
 */
export class PrivateBucket extends Bucket {
  constructor(scope: Construct, id: string, props: PrivateBucketProps = {}) {
    const versioned = props.versioned ?? false;
    const noncurrentVersionExpiration = props.noncurrentVersionExpiration ?? Duration.days(30);
    const rule: LifecycleRule = {
      id: 'housekeeping',
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      ...(versioned ? { noncurrentVersionExpiration } : {}),
      ...(props.expiration ? { expiration: props.expiration } : {}),
    };
    super(scope, id, {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      ...(props.encryptionKey
        ? { encryption: BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: BucketEncryption.S3_MANAGED }),
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      versioned,
      lifecycleRules: [rule],
      ...(props.serverAccessLogsBucket
        ? {
            serverAccessLogsBucket: props.serverAccessLogsBucket,
            serverAccessLogsPrefix: props.serverAccessLogsPrefix ?? `${id.toLowerCase()}/`,
          }
        : {}),
    });
    // Checked once the bucket exists, so the errors are scoped to it (the Bucket constructor accepts any durations).
    const owner = `PrivateBucket ${id}`;
    checkDuration(
      this,
      owner,
      'noncurrentVersionExpiration',
      noncurrentVersionExpiration,
      Duration.days(1),
      Duration.days(36500),
    );
    if (props.expiration !== undefined) {
      checkDuration(this, owner, 'expiration', props.expiration, Duration.days(1), Duration.days(36500));
    }
  }
}
