// Builds what other projects import: dist/index.js (the core API) and dist/client.js (tokenledger/client),
// ESM for Node 20+, the AWS SDK left to the app; plus their type declarations. Runs on `npm install`
// (prepare), so the repository itself needs no build step.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { index: 'src/index.ts', client: 'src/client/index.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@aws-sdk/*'],
  sourcemap: true,
  logLevel: 'warning',
});
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
