import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { checkDuration } from './prop-checks.ts';

export interface EventStreamProps {
  /**
   * How long Kinesis keeps a record. The ingest consumer's `maxRecordAge` should stay below it.
   *
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * The Kinesis data stream that request events arrive on (docs/contracts.md §1, §3): on-demand capacity, encrypted
 * with the AWS-managed `alias/aws/kinesis` key (producers and consumers need no KMS permissions), kept
 * when the stack is deleted.
 */
export class EventStream extends Construct {
  /** The stream. */
  public readonly stream: Stream;

  constructor(scope: Construct, id: string, props: EventStreamProps = {}) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.hours(24);
    checkDuration(
      this,
      `EventStream ${id}`,
      'retentionPeriod',
      retentionPeriod,
      Duration.hours(24),
      Duration.hours(8760),
    );

    this.stream = new Stream(this, 'Stream', {
      streamMode: StreamMode.ON_DEMAND,
      encryption: StreamEncryption.MANAGED,
      retentionPeriod,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets a producer app (its role, user or function) put events on the stream: `kinesis:PutRecord` and
   * `kinesis:PutRecords` on this stream's ARN, nothing else — what the tokenledger client calls (PutRecords)
   * and the single-record form. A principal of this account gets them in its identity policy; one of another
   * account in the stream's resource policy (its account must still allow them on its side).
   *
   * Not `Stream.grantWrite`: that adds `kinesis:ListShards`, which a producer that lets Kinesis pick the shard
   * from the partition key never calls, and for a customer-managed key `kms:Encrypt`, `kms:ReEncrypt*` and
   * `kms:GenerateDataKey*` where a Kinesis producer needs only `kms:GenerateDataKey`. The stream is encrypted
   * with the AWS-managed `alias/aws/kinesis` key, which needs no KMS permission, so today no KMS action is
   * granted; were the stream given a key of its own, producers would get `kms:GenerateDataKey` on it.
   */
  public grantWrite(grantee: IGrantable): Grant {
    const grant = this.stream.grant(grantee, 'kinesis:PutRecord', 'kinesis:PutRecords');
    const key = this.stream.encryptionKey;
    return key ? grant.combine(key.grant(grantee, 'kms:GenerateDataKey')) : grant;
  }
}
