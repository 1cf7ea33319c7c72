import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root (infra/constructs/../../), where package-lock.json and lambdas/ live. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How every tokenledger function is bundled: by the local esbuild (never Docker), as one minified ESM file for
 * Node.js 24 with a source map, the AWS SDK left to the runtime, and `require` provided for the CommonJS
 * dependencies that still call it.
 */
export const ESM_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  target: 'node24',
  externalModules: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  forceDockerBundling: false,
};
