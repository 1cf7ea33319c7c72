// Builds what apps import: dist/index.js (the client) and dist/contract.js (the event contract), ESM for
// Node 20+, sharing one chunk; the AWS SDK left to the app (loaded only when a kinesisClient sends); and their
// type declarations. Runs on `npm install` in the repository (prepare) and before `npm pack`.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

process.chdir(new URL('.', import.meta.url).pathname);
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { index: 'src/index.ts', contract: 'src/contract/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@aws-sdk/*'],
  sourcemap: true,
  logLevel: 'warning',
});
// typescript's "exports" hide bin/tsc: find the package folder, then its bin.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
