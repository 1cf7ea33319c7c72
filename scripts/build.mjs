// Builds the tokenledger CLI that bin/tokenledger.js runs: dist/cli.js and the chunks its commands load on
// demand, ESM for Node 20+. Bundled: tokenledger's own code, the client it shares the event contract with, and
// the pure-JS libraries. Left as dependencies: DuckDB (native bindings) and kinesalite (the local Kinesis API
// the demo starts). Every file lands directly in dist/, so `src/assets.ts` finds queries/ and data/ one folder
// up both here and in the repository. Runs on `npm install` (prepare), in `npm test` and before `npm pack`.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

process.chdir(new URL('..', import.meta.url).pathname);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: Object.keys(pkg.dependencies),
  // CommonJS libraries in the bundle (nodemailer, the SDK's parts) still call require().
  banner: {
    js: "import { createRequire as __tlRequire } from 'node:module';const require = __tlRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
