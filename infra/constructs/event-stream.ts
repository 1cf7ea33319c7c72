import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
 * The Kinesis data stream that request events arrive on (DESIGN §1, §3): on-demand capacity, encrypted
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
}
