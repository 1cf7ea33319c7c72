import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the published entry points', () => {
  it('tokenledger/client and tokenledger resolve to the built ESM files for plain Node', async () => {
    // Node resolves a package's own name through its "exports", as an app that installed it would.
    const script = `
      const client = await import('tokenledger/client');
      const core = await import('tokenledger');
      console.log(JSON.stringify({
        client: ['createEmitter', 'fromOpenAIChat', 'fromAnthropicMessage', 'fromBedrockConverse', 'meterStream'].map((n) => typeof client[n]),
        core: ['validateEvent', 'decodeRecord', 'usageSplit'].map((n) => typeof core[n]),
        valid: core.validateEvent({ v: 1, event_id: 'abcdefgh', ts: '2026-11-02T10:00:00Z', feature: 'f', cohort: 'c', provider: 'p', model: 'm', input_tokens: 1, output_tokens: 1, status: 'ok' }, Date.parse('2026-11-02T10:00:00Z')).ok,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
    });
    expect(JSON.parse(stdout)).toEqual({
      client: ['function', 'function', 'function', 'function', 'function'],
      core: ['function', 'function', 'function'],
      valid: true,
    });
  });
});
