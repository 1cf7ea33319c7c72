import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPAWN = {
  cwd: REPO_ROOT,
  timeout: 30_000,
  env: { ...process.env, npm_config_update_notifier: 'false' },
};

let tmp: { dir: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('tokenledger-cli-bin-');
});
afterAll(async () => {
  await tmp.remove();
});

describe('the installed binary', () => {
  it('node bin/tokenledger.js --help exits 0 and lists the commands', { timeout: 30_000 }, async () => {
    // Act
    const { stdout } = await run(process.execPath, ['bin/tokenledger.js', '--help'], SPAWN);

    // Assess (execFile rejects on a non-zero exit)
    expect(stdout).toContain('usage: tokenledger');
    for (const command of ['demo', 'ingest events FILE', 'query "SQL"']) expect(stdout).toContain(command);
  });

  it('npx tokenledger resolves from the repo root and runs a query', { timeout: 30_000 }, async () => {
    // Act
    const { stdout } = await run(
      'npx',
      ['tokenledger', 'query', 'SELECT 42 AS answer', '--format', 'json', '--lake', tmp.dir],
      SPAWN,
    );

    // Assess
    expect(JSON.parse(stdout)).toEqual([{ answer: 42 }]);
  });

  it('exits with the code main() returns (2 for an unknown command)', { timeout: 30_000 }, async () => {
    // Act
    const failure = await run(process.execPath, ['bin/tokenledger.js', 'frobnicate'], SPAWN).then(
      () => null,
      (err: { code?: number; stderr?: string }) => err,
    );

    // Assess
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('"frobnicate"');
  });
});
