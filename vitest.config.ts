import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The workspace's packages resolve to their sources, as tsconfig.json's "paths" say for tsc, tsx and esbuild.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tokenledger\/client$/, replacement: source('./packages/client/src/index.ts') },
      {
        find: /^@tokenledger\/client\/contract$/,
        replacement: source('./packages/client/src/contract/index.ts'),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One test file per core. Vitest's default leaves one core free (one worker on a 2-core machine, so the files
    // ran one after another); most files wait on emulators, DuckDB and child processes as much as they compute, and
    // two at a time took the suite from 557 s to 331 s here, every file isolated by its own ports and temp folders.
    maxWorkers: availableParallelism(),
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
