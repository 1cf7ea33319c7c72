import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the published entry points', () => {
  it('@tokenledger/client and its /contract resolve to the built ESM files for plain Node', async () => {
    // Node resolves the workspace package through node_modules and its "exports", as an app that installed
    // it would (the tarball itself is installed and used in test/package/installed-artefacts.test.ts).
    const script = `
      const client = await import('@tokenledger/client');
      const contract = await import('@tokenledger/client/contract');
      console.log(JSON.stringify({
        resolved: [import.meta.resolve('@tokenledger/client'), import.meta.resolve('@tokenledger/client/contract')]
          .map((u) => u.replace(/^.*\\/packages\\/client\\//, '')),
        client: ['createEmitter', 'fromOpenAIChat', 'fromAnthropicMessage', 'fromBedrockConverse', 'meterStream', 'wireEncoder'].map((n) => typeof client[n]),
        contract: ['validateEvent', 'usageSplit', 'uuidv7', 'userHash'].map((n) => typeof contract[n]),
        valid: contract.validateEvent({ v: 1, event_id: 'abcdefgh', ts: '2026-11-02T10:00:00Z', feature: 'f', cohort: 'c', provider: 'p', model: 'm', input_tokens: 1, output_tokens: 1, status: 'ok' }, Date.parse('2026-11-02T10:00:00Z')).ok,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
    });
    expect(JSON.parse(stdout)).toEqual({
      resolved: ['dist/index.js', 'dist/contract.js'],
      client: ['function', 'function', 'function', 'function', 'function', 'function'],
      contract: ['function', 'function', 'function', 'function'],
      valid: true,
    });
  });
});
