import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { type QueryFile, viewFiles } from '../../src/queries/query-files.ts';
import { grantBucketKey } from './bucket-key.ts';
import { HelperRole } from './helper-role.ts';
import type { LakeDatabase } from './lake-database.ts';
import { checkDuration } from './prop-checks.ts';
import { type QueryWorkgroup, runQueriesStatement } from './query-workgroup.ts';
import { tokenledgerFunction } from './tokenledger-function.ts';

/** Where the workgroup writes query results (its enforced output location), DDL results included. */
export const RESULTS_PREFIX = 'results/';

export interface AthenaViewsProps {
  /** The Glue database the views are created in. */
  readonly database: LakeDatabase;
  /** The workgroup the view DDL runs through (its results bucket receives the DDL results). */
  readonly workgroup: QueryWorkgroup;
  /** The tables the views read: the views are created after them. */
  readonly tables: readonly IConstruct[];
  /**
   * The views, in creation order.
   *
   * @default viewFiles() (queries/views/*.sql, read at synth)
   */
  readonly views?: readonly QueryFile[];
  /**
   * Timeout of the views function (the DDL statements run one after another).
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * How long the views function's log group keeps logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Creates the views of queries/views in Athena on deploy: a `Custom::AthenaViews` resource whose `Views`
 * property is the SQL text of every view file, read at synth (so a changed view file is a changed resource,
 * and CloudFormation updates it), handled by `lambdas/athena-views/handler.ts` through CDK's Provider framework.
 *
 * The views function may run queries in the workgroup only, read and change table definitions of the lake
 * database only, and read and write the query results under `results/` of the results bucket; it cannot touch
 * the lake's data. Its role and the framework function's role have no AWS-managed policy; each function
 * writes to its own log group only.
 */
export class AthenaViews extends Construct {
  /** The views function (the Provider's onEvent handler). */
  public readonly function: NodejsFunction;
  /** The views function's execution role. */
  public readonly role: Role;
  /** The views function's log group. */
  public readonly logGroup: LogGroup;
  /** The role and log group of the Provider framework's onEvent function. */
  public readonly framework: HelperRole;
  /** The Provider. */
  public readonly provider: Provider;
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The Provider framework's onEvent function. */
  public readonly frameworkFunction: IConstruct;
  /** The Athena workgroup ARN, the only resource of the function's Athena grants. */
  public readonly workGroupArn: string;
  /** Tables (and views) of the lake database: `table/<db>/*`. */
  public readonly tablesArn: string;
  /** Query result objects the function may read and write: `<results bucket>/results/*`. */
  public readonly resultObjectsArn: string;

  constructor(scope: Construct, id: string, props: AthenaViewsProps) {
    super(scope, id);
    const owner = `AthenaViews ${id}`;
    const timeout = props.timeout ?? Duration.minutes(5);
    checkDuration(this, owner, 'timeout', timeout, Duration.seconds(1), Duration.minutes(15));
    const stack = Stack.of(this);
    const databaseName = props.database.databaseName;
    const workGroupName = props.workgroup.workGroupName;
    const resultsBucket = props.workgroup.resultsBucket;

    const built = tokenledgerFunction(this, {
      lambda: 'athena-views',
      description:
        'tokenledger views: creates, replaces and drops the views of queries/views in Athena on deploy',
      roleDescription:
        'tokenledger views: creates the views of queries/views in the lake database through Athena',
      memorySize: 256,
      timeout,
      logRetention: props.logRetention,
      // Deploy-time diagnostics only; they go with the stack.
      logRemovalPolicy: RemovalPolicy.DESTROY,
      // CloudFormation invokes it through the framework, which reports a failure; a retry would run the DDL twice.
      retryAttempts: 0,
      environment: { ATHENA_WORKGROUP: workGroupName, GLUE_DATABASE: databaseName },
    });
    this.logGroup = built.logGroup;
    this.role = built.role;
    this.function = built.function;

    this.workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: workGroupName,
    });
    this.role.addToPolicy(runQueriesStatement(this.workGroupArn));

    const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const databaseArn = stack.formatArn({
      service: 'glue',
      resource: 'database',
      resourceName: databaseName,
    });
    this.tablesArn = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${databaseName}/*`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:DeleteTable',
        ],
        resources: [catalogArn, databaseArn, this.tablesArn],
      }),
    );

    // Athena writes each statement's result (DDL too) under the workgroup's enforced output location.
    this.resultObjectsArn = resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`);
    grantBucketKey(this.role, resultsBucket, 'readWrite');
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [resultsBucket.bucketArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [this.resultObjectsArn],
      }),
    );

    // The framework function gets a role that ignores CDK's grants (lambda:InvokeFunction on `<arn>:*`) and
    // may invoke and get only the views function itself (it invokes it unqualified), and write its log group.
    this.framework = new HelperRole(this, 'Framework', {
      description: 'tokenledger: custom resource framework of the Athena views, invokes the views function',
    });
    this.framework.role.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction', 'lambda:GetFunction'],
        resources: [this.function.functionArn],
      }),
    );
    this.provider = new Provider(this, 'Provider', {
      onEventHandler: this.function,
      frameworkOnEventRole: this.framework.helperRole,
      logGroup: this.framework.logGroup,
    });
    const frameworkFunction = this.provider.node.children.find((c) => c.node.id.startsWith('framework-'));
    if (!frameworkFunction)
      throw new Error(`${this.node.path}: the Provider's framework function was not found`);
    this.frameworkFunction = frameworkFunction;
    // The framework must not run before its role may invoke the views function.
    frameworkFunction.node.addDependency(this.framework);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::AthenaViews',
      properties: { Views: (props.views ?? viewFiles()).map(({ name, sql }) => ({ name, sql })) },
    });
    // Views read the tables, run through the workgroup, and need the function's grants in place.
    this.resource.node.addDependency(
      props.database.database,
      props.workgroup.workGroup,
      ...props.tables,
      this.role,
    );
  }
}
