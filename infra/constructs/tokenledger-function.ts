import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type FunctionOptions, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ESM_BUNDLING, REPO_ROOT } from './node-bundling.ts';

export interface TokenledgerFunctionOptions
  extends Pick<FunctionOptions, 'tracing' | 'reservedConcurrentExecutions' | 'retryAttempts'> {
  /** The folder under lambdas/ whose handler.ts exports `handler`. */
  readonly lambda: string;
  readonly description: string;
  /** What the role is for, for its description. */
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Variables of the handler (NODE_OPTIONS for source maps is added). */
  readonly environment: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * One of tokenledger's own functions, as all of them are built: Node.js 24 on arm64, the handler bundled by the
 * local esbuild as minified ESM, an execution role with no AWS-managed policy that may only write the
 * function's own log group (its owner adds the grants it needs), and that log group. They are created as
 * `LogGroup`, `Role` and `Function` in `scope`.
 */
export function tokenledgerFunction(scope: Construct, options: TokenledgerFunctionOptions) {
  const logGroup = new LogGroup(scope, 'LogGroup', {
    retention: options.logRetention ?? RetentionDays.ONE_MONTH,
    removalPolicy: options.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  const role = new Role(scope, 'Role', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: options.roleDescription,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, 'Function', {
    description: options.description,
    entry: `${REPO_ROOT}lambdas/${options.lambda}/handler.ts`,
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    role,
    logGroup,
    ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
    ...(options.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: options.reservedConcurrentExecutions }),
    ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
    environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: ESM_BUNDLING,
  });
  return { logGroup, role, function: fn };
}
