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
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
