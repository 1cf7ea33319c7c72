import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { requiredEnv } from '../../src/config/required-env.ts';

describe('ingest Lambda bundle', () => {
  it('bundles without the AWS SDK, DuckDB or the emulators, and stays small', async () => {
    // Act: the same esbuild settings as the CDK function (ESM, minified, SDK external).
    const out = await build({
      entryPoints: ['lambdas/ingest/handler.ts'],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      external: ['@aws-sdk/*'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(out.metafile.inputs);
    for (const banned of ['@duckdb', 'kinesalite', 's3rver', '@aws-sdk/', 'aws-cdk-lib', 'node-sql-parser']) {
      expect(inputs.filter((i) => i.includes(banned))).toEqual([]);
    }
    expect(inputs.some((i) => i.includes('hyparquet-writer'))).toBe(true);
    const bytes = out.outputFiles[0]?.contents.length ?? 0;
    expect(bytes).toBeGreaterThan(10_000);
    expect(bytes).toBeLessThan(250_000);
  });
});

describe('requiredEnv', () => {
  it('names the missing variable', () => {
    expect(() => requiredEnv('LAKE_BUCKET', {})).toThrow(/LAKE_BUCKET/);
    expect(() => requiredEnv('LAKE_BUCKET', { LAKE_BUCKET: ' ' })).toThrow(/LAKE_BUCKET/);
    expect(requiredEnv('LAKE_BUCKET', { LAKE_BUCKET: 'b' })).toBe('b');
  });
});
