#!/usr/bin/env node
// The tokenledger CLI: the JavaScript that `npm run build` (run on install and before packing) puts in dist/.
// The CLI talks only to local emulators; the SDK's notice about Node 20 support is not for its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
