#!/usr/bin/env node
// The tokenledger CLI. The code is TypeScript run as it is, through tsx: no build step after `npm install`.
import { register } from 'tsx/esm/api';

// The CLI talks only to local emulators; the SDK's notice about Node 20 support is not for its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
