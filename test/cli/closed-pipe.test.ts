import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';

// Runs the built CLI (npm run build first), as `tokenledger … | head` would.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let tmp: { dir: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('tokenledger-cli-pipe-');
});
afterAll(async () => {
  await tmp.remove();
});

/** Spawns `node bin/tokenledger.js ...argv`, reads stdout until the first chunk, then closes the pipe (like head). */
function runIntoEarlyClose(argv: string[]): Promise<{ code: number | null; stderr: string; read: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/tokenledger.js', ...argv], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let read = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once('data', (chunk: Buffer) => {
      read = chunk.toString();
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, read }));
  });
}

describe('a reader that closes the pipe early (tokenledger … | head)', () => {
  it('ends the output quietly: exit code 0, no EPIPE, no stack trace', { timeout: 60_000 }, async () => {
    // Act: far more output than a pipe buffer holds, read one chunk of it
    const run = await runIntoEarlyClose([
      'query',
      "SELECT range AS n, repeat('x', 40) AS pad FROM range(400000)",
      '--format',
      'csv',
      '--lake',
      tmp.dir,
    ]);

    // Assess
    expect(run.read.split('\n')[0]).toBe('n,pad');
    expect(run.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(run.code).toBe(0);
  });
});
