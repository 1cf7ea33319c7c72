import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Length of the key a created secret is generated with: letters and digits, about 380 bits. */
export const USER_HMAC_KEY_LENGTH = 64;

export interface UserHmacSecretProps {
  /**
   * An existing secret to use instead of creating one: its name, or its ARN (the complete one, with the 6-character
   * suffix Secrets Manager adds, as the console shows it; an ARN without it works too). The whole `SecretString` is
   * the key: give the one your apps pass to the client as `hmacKey`, and spans hash users as the client does.
   *
   * @default - a new secret, generated
   */
  readonly existing?: string;
  /**
   * The secret itself, when the caller has it as a construct (`Secret.fromSecretAttributes` with its
   * `encryptionKey`, for a secret encrypted with a customer managed key). Wins over `existing`.
   *
   * @default - from `existing`, or a new secret
   */
  readonly secret?: ISecret;
  /**
   * The customer managed key a created secret is encrypted with (the lake's, when the lake is SSE-KMS).
   *
   * @default - Secrets Manager's AWS managed key (`aws/secretsmanager`)
   */
  readonly encryptionKey?: IKey;
}

/**
 * The secret holding the key end-user ids of OTLP spans are hashed under (HMAC-SHA256, as the client's `userHash`):
 * created with a generated value, or an existing one imported by name or ARN. A created secret is retained when
 * the stack is deleted, and has no rotation: a new key changes every user's hash (docs/deploying.md).
 */
export class UserHmacSecret extends Construct {
  public readonly secret: ISecret;
  /** The created secret, when this construct created it (none when imported). */
  public readonly created?: Secret;
  /** What the function asks Secrets Manager for (`SecretId`): the created secret's ARN, or the name or ARN given. */
  public readonly secretId: string;

  constructor(scope: Construct, id: string, props: UserHmacSecretProps = {}) {
    super(scope, id);
    if (props.secret) {
      this.secret = props.secret;
      this.secretId = props.secret.secretFullArn ?? props.secret.secretArn;
    } else if (props.existing) {
      const given = props.existing;
      this.secret = !given.startsWith('arn:')
        ? Secret.fromSecretNameV2(this, 'Imported', given)
        : /-[A-Za-z0-9]{6}$/.test(given)
          ? Secret.fromSecretCompleteArn(this, 'Imported', given)
          : Secret.fromSecretPartialArn(this, 'Imported', given);
      this.secretId = given;
    } else {
      this.created = new Secret(this, 'Secret', {
        description:
          'tokenledger: the key end-user ids of OTLP spans are hashed under (HMAC-SHA256, as the client hmacKey). ' +
          'Never rotate it: a new key changes every user hash.',
        generateSecretString: {
          passwordLength: USER_HMAC_KEY_LENGTH,
          excludePunctuation: true,
          includeSpace: false,
        },
        ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.secret = this.created;
      this.secretId = this.created.secretArn;
    }
  }

  /**
   * Lets `grantee` read the secret's value and nothing else: `secretsmanager:GetSecretValue` on this secret (every
   * version of it: `-??????` when only its name or partial ARN is known), and, when it is encrypted with a customer
   * managed key, `kms:Decrypt` on that key through Secrets Manager only.
   */
  grantRead(grantee: IGrantable): void {
    const arn = this.secret.secretFullArn ?? `${this.secret.secretArn}-??????`;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [arn] }),
    );
    const key = this.secret.encryptionKey;
    if (key) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }
  }
}
