import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountPrincipal,
  CompositePrincipal,
  type Grant,
  type IGrantable,
  ManagedPolicy,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { checkDuration, checkPattern, validationError } from './prop-checks.ts';

/** The stream's name unless the deployer sets one (`-c streamName=…`). */
export const DEFAULT_STREAM_NAME = 'tokenledger-events';

/** What Kinesis accepts as a stream name. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** What the producer policy allows on the stream: what the client calls, and the check a deployer runs. */
export const PRODUCER_STREAM_ACTIONS = [
  'kinesis:PutRecord',
  'kinesis:PutRecords',
  'kinesis:DescribeStreamSummary',
] as const;

export interface EventStreamProps {
  /**
   * How long Kinesis keeps a record. The ingest consumer's `maxRecordAge` should stay below it.
   *
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;
  /**
   * The stream's name, what producers pass as `createEmitter({ streamName })`. Changing it replaces the stream
   * (docs/deploying.md "Upgrades").
   *
   * @default DEFAULT_STREAM_NAME ('tokenledger-events')
   */
  readonly streamName?: string;
  /**
   * A customer-managed KMS key to encrypt the stream with; producers then also need `kms:GenerateDataKey` on it
   * (the producer policy and `grantWrite` add it).
   *
   * @default - the AWS-managed `alias/aws/kinesis` key (producers and consumers need no KMS permission)
   */
  readonly encryptionKey?: IKey;
  /**
   * Other AWS accounts whose apps may write events: the construct creates `producerRole`, which principals of
   * these accounts can assume (when their own account's IAM allows them `sts:AssumeRole` on it), with the
   * producer policy attached.
   *
   * @default - none: no producer role
   */
  readonly producerAccountIds?: readonly string[];
}

/**
 * The Kinesis data stream that request events arrive on (docs/contracts.md §1, §3): named (`tokenledger-events`
 * unless set), on-demand capacity, encrypted with the AWS-managed `alias/aws/kinesis` key unless given a key
 * (producers and consumers then need no KMS permissions), kept when the stack is deleted. With it, what producer
 * apps attach: a customer-managed IAM policy (`producerPolicy`), and for other accounts a role to assume
 * (`producerRole`).
 */
export class EventStream extends Construct {
  /** The stream. */
  public readonly stream: Stream;
  /**
   * The customer-managed policy a producer app's role attaches: `kinesis:PutRecord`, `kinesis:PutRecords` and
   * `kinesis:DescribeStreamSummary` on this stream, and `kms:GenerateDataKey` on its key when it has a
   * customer-managed one. Nothing else: no read, no other stream, nothing on the lake.
   */
  public readonly producerPolicy: ManagedPolicy;
  /** The role principals of `producerAccountIds` assume to write events; undefined without such accounts. */
  public readonly producerRole?: Role;

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

    const streamName = props.streamName ?? DEFAULT_STREAM_NAME;
    checkPattern(
      this,
      `EventStream ${id}`,
      'streamName',
      streamName,
      STREAM_NAME,
      '1-128 of a-z A-Z 0-9 _ . -',
    );
    const accounts = props.producerAccountIds ?? [];
    for (const account of accounts) {
      checkPattern(
        this,
        `EventStream ${id}`,
        'producerAccountIds',
        account,
        /^\d{12}$/,
        'AWS account ids (12 digits)',
      );
    }
    if (new Set(accounts).size !== accounts.length) {
      throw validationError(
        this,
        `EventStream ${id}: producerAccountIds has duplicates: ${accounts.join(',')}`,
      );
    }

    this.stream = new Stream(this, 'Stream', {
      streamName,
      streamMode: StreamMode.ON_DEMAND,
      ...(props.encryptionKey
        ? { encryption: StreamEncryption.KMS, encryptionKey: props.encryptionKey }
        : { encryption: StreamEncryption.MANAGED }),
      retentionPeriod,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const statements = [
      new PolicyStatement({ actions: [...PRODUCER_STREAM_ACTIONS], resources: [this.stream.streamArn] }),
    ];
    const key = this.stream.encryptionKey;
    if (key)
      statements.push(new PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn] }));
    this.producerPolicy = new ManagedPolicy(this, 'ProducerPolicy', {
      description: 'tokenledger: put request events on the event stream (attach to a producer app role)',
      statements,
    });

    if (accounts.length > 0) {
      const [first, ...rest] = accounts.map((account) => new AccountPrincipal(account));
      this.producerRole = new Role(this, 'ProducerRole', {
        description: `tokenledger: assumed by producer apps of accounts ${accounts.join(', ')} to put events on the stream`,
        assumedBy:
          rest.length > 0
            ? new CompositePrincipal(first as AccountPrincipal, ...rest)
            : (first as AccountPrincipal),
        managedPolicies: [this.producerPolicy],
      });
    }
  }

  /**
   * Lets a producer app of this CDK app (its role, user or function) put events on the stream: `kinesis:PutRecord` and
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
