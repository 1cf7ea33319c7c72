import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import {
  createTokenledgerApp,
  type TokenledgerApp,
  type TokenledgerAppOptions,
} from '../../infra/tokenledger-app.ts';

export interface SynthesizedApp extends TokenledgerApp {
  readonly dataTemplate: Template;
  readonly ingestTemplate: Template;
  readonly invoicesTemplate: Template;
  readonly reportsTemplate: Template;
  /** Removes the temporary cloud assembly directory. */
  cleanup(): void;
}

/**
 * Builds and synthesizes the app once (the ingest function is bundled with the local esbuild); call it in
 * `beforeAll`. `skipBundling` stages a placeholder asset instead, for tests that do not need the code.
 */
export function synthesizeApp(
  options: TokenledgerAppOptions & { readonly skipBundling?: boolean } = {},
): SynthesizedApp {
  const { skipBundling, ...appOptions } = options;
  const built = createTokenledgerApp({
    ...appOptions,
    appProps: {
      ...appOptions.appProps,
      context: {
        ...appOptions.appProps?.context,
        ...(skipBundling ? { 'aws:cdk:bundling-stacks': [] } : {}),
      },
    },
  });
  built.app.synth();
  return {
    ...built,
    dataTemplate: Template.fromStack(built.data),
    ingestTemplate: Template.fromStack(built.ingest),
    invoicesTemplate: Template.fromStack(built.invoices),
    reportsTemplate: Template.fromStack(built.reports),
    cleanup: () => rmSync(built.app.outdir, { recursive: true, force: true }),
  };
}

/**
 * A CloudFormation value as one string, the way cdk-nag prints it: `Fn::Join` joined, `Fn::ImportValue`
 * as the export name, `Ref` as `<LogicalId>`, `Fn::GetAtt` as `<LogicalId.Attr>`.
 */
export function cfnString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [delimiter, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(cfnString).join(delimiter);
    }
    if ('Fn::ImportValue' in v) return cfnString(v['Fn::ImportValue']);
    if ('Ref' in v) return `<${cfnString(v.Ref)}>`;
    if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(value);
}

/**
 * The Lambda bundles (`.mjs` files) staged in the cloud assembly for a stack: one per function that CDK bundled
 * with esbuild (the folders of the stack's file assets).
 */
export function stagedBundles(outdir: string, stackName: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, `${stackName}.assets.json`), 'utf8'));
  const folders = Object.values(manifest.files as Record<string, { source: { path: string } }>)
    .map((f) => join(outdir, f.source.path))
    .filter((p) => existsSync(p) && statSync(p).isDirectory());
  return folders.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => join(d, f)),
  );
}
