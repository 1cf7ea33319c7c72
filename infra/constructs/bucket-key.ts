import { Aws } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/** What a role does with a bucket's objects, and so which KMS actions S3 needs on its behalf. */
export type BucketKeyUse = 'read' | 'write' | 'readWrite';

const ACTIONS: Readonly<Record<BucketKeyUse, string[]>> = {
  // GetObject of an SSE-KMS object.
  read: ['kms:Decrypt'],
  // PutObject (one part) of an SSE-KMS object.
  write: ['kms:GenerateDataKey'],
  // Multipart uploads (Athena results, `aws s3 sync`) also decrypt the parts they assemble.
  readWrite: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/**
 * When `bucket` is encrypted with a customer managed KMS key, lets `grantee` use that key for `use`, and only
 * through S3 (`kms:ViaService`): the role can decrypt the bucket's objects by reading them, not call KMS with the
 * key directly. Does nothing for an SSE-S3 bucket. The key's policy trusts the account's IAM policies (CDK's
 * default key policy), so the grant is on the role alone.
 */
export function grantBucketKey(grantee: IGrantable, bucket: IBucket, use: BucketKeyUse): void {
  const key = bucket.encryptionKey;
  if (!key) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ACTIONS[use],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
    }),
  );
}
