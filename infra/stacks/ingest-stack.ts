import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { IngestAlarms, type IngestAlarmsProps } from '../constructs/ingest-alarms.ts';
import { IngestFunction, type IngestFunctionProps } from '../constructs/ingest-function.ts';
import { UserHmacSecret } from '../constructs/user-hmac-secret.ts';
import { parseSetting } from '../settings.ts';

/**
 * The ingest function's props (stream and buckets from the data stack) and its alarms' props, as documented on
 * IngestFunctionProps and IngestAlarmsProps: the stack passes them through unchanged. The user-id HMAC secret is
 * the stack's: created, or imported as `otlpUserHmacSecret` or `userHmacSecret` say.
 */
export interface IngestStackProps
  extends StackProps,
    Omit<IngestFunctionProps, 'userHmacSecret'>,
    Omit<IngestAlarmsProps, 'function' | 'eventSourceMappingId' | 'logGroup'> {
  /**
   * An existing Secrets Manager secret whose value is the key end-user ids of OTLP spans are hashed under: its name
   * or ARN (context `otlpUserHmacSecret`). Give the secret that holds the `hmacKey` your apps pass the client, and
   * a span's `user_hash` is the one the client computes for the same user.
   *
   * @default - the stack creates a secret with a generated key (retained when the stack is deleted; no rotation)
   */
  readonly otlpUserHmacSecret?: string;
  /**
   * The existing secret as a construct (`Secret.fromSecretAttributes`, with its `encryptionKey` when it is
   * encrypted with a customer managed key, so the function may decrypt it). Wins over `otlpUserHmacSecret`.
   *
   * @default - as `otlpUserHmacSecret` says
   */
  readonly userHmacSecret?: ISecret;
}

/** The ingest settings given as CDK context. */
export interface IngestSettings {
  /** `-c ingestReservedConcurrency=20`, or `none` (null) for no reservation. */
  readonly reservedConcurrentExecutions?: number | null;
}

/** The CDK context key of the ingest function's reserved concurrency. */
export const INGEST_RESERVED_CONCURRENCY_KEY = 'ingestReservedConcurrency' as const;

/**
 * The ingest settings of the CDK context (`-c ingestReservedConcurrency=20`, or `none`; a JSON number in
 * cdk.json): a bad value is a ValidationError of `scope` (whose context it is) naming the key and quoting the value.
 * The app reads it, with every other setting, through settingsFromContext (infra/settings.ts).
 */
export function ingestSettingsFromContext(scope: Construct): IngestSettings {
  const value = parseSetting(
    scope,
    INGEST_RESERVED_CONCURRENCY_KEY,
    scope.node.tryGetContext(INGEST_RESERVED_CONCURRENCY_KEY),
  );
  return value === undefined ? {} : { reservedConcurrentExecutions: value as number | null };
}

/**
 * The stateless half of the ingest path: the ingest function, its event source mapping and its alarms.
 * Redeploying it (new code, new settings) leaves the data stack alone. Each prop is described on
 * IngestFunctionProps / IngestAlarmsProps.
 */
export class IngestStack extends Stack {
  /** The ingest function and its event source mapping. */
  public readonly ingestFunction: IngestFunction;
  /** Alarms and the topic they notify. */
  public readonly ingestAlarms: IngestAlarms;
  /** The secret holding the key end-user ids of OTLP spans are hashed under. */
  public readonly userHmacSecret: UserHmacSecret;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);

    // Its own construct id at the stack's top level: a created secret's logical id never changes with the
    // function's, since a replaced secret would be a new key, and every user hash would change.
    this.userHmacSecret = new UserHmacSecret(this, 'UserHmacSecret', {
      ...(props.userHmacSecret ? { secret: props.userHmacSecret } : {}),
      ...(props.otlpUserHmacSecret ? { existing: props.otlpUserHmacSecret } : {}),
      // Encrypted like the lake: with its customer managed key when it has one. Referred to by ARN, so that the
      // data stack's key policy is left alone (it trusts the account's IAM policies; the grant is on the role).
      ...(props.lakeBucket.encryptionKey
        ? { encryptionKey: Key.fromKeyArn(this, 'LakeKey', props.lakeBucket.encryptionKey.keyArn) }
        : {}),
    });

    this.ingestFunction = new IngestFunction(this, 'IngestFunction', {
      ...props,
      userHmacSecret: this.userHmacSecret,
    });

    this.ingestAlarms = new IngestAlarms(this, 'IngestAlarms', {
      ...props,
      function: this.ingestFunction.function,
      eventSourceMappingId: this.ingestFunction.eventSource.eventSourceMappingId,
      logGroup: this.ingestFunction.logGroup,
    });

    new CfnOutput(this, 'UserHmacSecretArn', {
      value: this.userHmacSecret.secret.secretArn,
      description:
        'Secret holding the key end-user ids of OTLP spans are hashed under: give the same key to the client as hmacKey',
    });
  }
}
