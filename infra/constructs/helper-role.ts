import { RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface HelperRoleProps {
  /** What the helper function does, for the role's description. */
  readonly description: string;
}

/**
 * The execution role and log group of a deploy-time helper function that CDK provides (the BucketDeployment
 * handler, the S3 bucket-notifications handler). CDK would give such a function a role with the AWS-managed
 * AWSLambdaBasicExecutionRole policy and grant it more than it needs (read-write on a whole bucket); here the
 * helper gets `helperRole`, which ignores those additions, and its owner grants the few actions it does need on
 * `role`. The function writes to `logGroup`, and may write nowhere else.
 */
export class HelperRole extends Construct {
  /** The role, for the grants its owner makes. */
  public readonly role: Role;
  /** The same role as the helper's construct sees it: policy additions made through it are ignored. */
  public readonly helperRole: IRole;
  /** The helper's log group. */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HelperRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.helperRole = this.role.withoutPolicyUpdates({ addGrantsToResources: false });
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: RetentionDays.ONE_MONTH,
      // Deploy-time diagnostics only; they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup.grantWrite(this.role);
  }
}
