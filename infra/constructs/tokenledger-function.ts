import { existsSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type FunctionOptions, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ESM_BUNDLING, REPO_ROOT } from './node-bundling.ts';
import { validationError } from './prop-checks.ts';

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
  /**
   * Files or folders of the repository, as paths relative to its root (`queries/reports`), copied into the bundle
   * at the same relative path after esbuild ran, for a handler that reads them at run time next to itself
   * (`new URL('./queries/', import.meta.url)`). They are part of the bundle's hash: a changed file is a new
   * deployment of the code.
   *
   * @default - the bundle holds the handler's code only
   */
  readonly extraFiles?: readonly string[];
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
    bundling: options.extraFiles?.length
      ? { ...ESM_BUNDLING, commandHooks: copyIntoBundle(scope, options.lambda, options.extraFiles) }
      : ESM_BUNDLING,
  });
  return { logGroup, role, function: fn };
}

/**
 * Bundling hooks that copy repository paths into the bundle after esbuild (local bundling: the input directory is
 * the repository root). Each path must be relative, stay inside the repository and exist at synth; a bad one is a
 * ValidationError of `scope` (where the function is created).
 */
function copyIntoBundle(scope: Construct, lambda: string, paths: readonly string[]): ICommandHooks {
  const relative = paths.map((path) => {
    const clean = normalize(path).replace(/\/+$/, '');
    if (isAbsolute(path) || clean === '.' || clean.startsWith('..') || !existsSync(`${REPO_ROOT}${clean}`)) {
      throw validationError(
        scope,
        `tokenledgerFunction ${lambda}: extraFiles entries must be existing paths relative to the repository root, got '${path}'`,
      );
    }
    return clean;
  });
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      relative.flatMap((path) => {
        const target = `${outputDir}/${path}`;
        return [
          `mkdir -p ${quote(target.slice(0, target.lastIndexOf('/')))}`,
          `cp -R ${quote(`${inputDir}/${path}`)} ${quote(target)}`,
        ];
      }),
  };
}
