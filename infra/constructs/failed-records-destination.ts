import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type {
  DlqDestinationConfig,
  IEventSourceDlq,
  IEventSourceMapping,
  IFunction,
} from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/**
 * On-failure destination of a stream event source mapping that writes discarded batches to an S3 bucket.
 * With an S3 destination Lambda stores the whole invocation record, payloads included, so a discarded
 * batch can be replayed; an SQS or SNS destination would keep only metadata.
 *
 * Same wire-up as `S3OnFailureDestination` from aws-lambda-event-sources, which grants the function
 * read-write (Get/Delete included) on the whole bucket; this grants only what Lambda documents for an S3
 * destination, `s3:PutObject` on the bucket's objects and `s3:ListBucket`, so the consumer cannot read
 * or delete what it failed on.
 */
export class FailedRecordsDestination implements IEventSourceDlq {
  /** The objects the destination writes: `<bucket ARN>/*`. */
  public readonly objectArns: string;

  constructor(public readonly bucket: IBucket) {
    this.objectArns = bucket.arnForObjects('*');
  }

  bind(_target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    targetHandler.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.objectArns] }),
    );
    targetHandler.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    return { destination: this.bucket.bucketArn };
  }
}
