import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import { runCli, snapshot } from '../cli/run-cli.ts';

const base = {
  prompt_id: 'support-answer',
  version: 'v1',
  author: 'ana@example.com',
  approved_by: null,
  approved_at: null,
  eval: null,
  deployed_at: '2026-11-01T12:00:00Z',
  rollout: null,
  kill_switch: null,
  retired_at: null,
  change_ref: null,
  content_sha256: null,
};

let dir: string;
let lake: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prompts-cli-'));
  lake = join(dir, 'lake');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('tokenledger prompts register', () => {
  it('registers the valid records of a JSONL, refuses a duplicate and an invalid one, exits 1', async () => {
    const path = await file(
      'deploys.jsonl',
      [
        JSON.stringify(base),
        JSON.stringify({ ...base, author: 'someone-else' }),
        JSON.stringify({ ...base, version: 'v2', rollout: { cohorts: ['pro'], percent: 150 } }),
        JSON.stringify({ ...base, version: 'v3' }),
      ].join('\n'),
    );
    const run = await runCli('prompts', 'register', path, '--lake', lake);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${path}: line 1: registered prompt "support-answer" version "v1"`);
    expect(run.stdout).toContain(`${path}: line 4: registered prompt "support-answer" version "v3"`);
    expect(run.stdout).toContain(`${path}: 2 registered, 1 already registered, 1 invalid`);
    expect(run.stderr).toContain(
      `${path}: line 2: refused: prompt "support-answer" version "v1" is already registered`,
    );
    expect(run.stderr).toContain(`${path}: line 3: refused: rollout.percent: must be from 0 to 100, got 150`);
    const registry = new FsPromptRegistry(lake);
    expect((await registry.list()).map((r) => r.version)).toEqual(['v1', 'v3']);
    expect((await registry.get('support-answer', 'v1'))?.author).toBe('ana@example.com');
  });

  it('registers a JSON object and an array, exits 0; a second run refuses all and changes nothing', async () => {
    const one = await file('one.json', JSON.stringify(base, null, 2));
    const many = await file(
      'many.json',
      JSON.stringify([
        { ...base, version: 'v2' },
        { ...base, version: 'v3' },
      ]),
    );
    expect((await runCli('prompts', 'register', one, '--lake', lake)).code).toBe(0);
    const run = await runCli('prompts', 'register', many, '--lake', lake);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${many}: record 2: registered prompt "support-answer" version "v3"`);
    const before = snapshot(lake);
    const again = await runCli('prompts', 'register', many, '--lake', lake);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `${many}: record 1: refused: prompt "support-answer" version "v2" is already registered`,
    );
    expect(snapshot(lake)).toEqual(before);
  });

  it('exits 1 naming the file when it cannot be read or holds nothing, 2 on bad usage', async () => {
    const missing = await runCli('prompts', 'register', join(dir, 'nope.json'), '--lake', lake);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json: cannot be read');
    const empty = await runCli('prompts', 'register', await file('empty.jsonl', '\n'), '--lake', lake);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('holds no records');
    expect((await runCli('prompts', 'register', '--lake', lake)).code).toBe(2);
    expect((await runCli('prompts', 'register', 'a', 'b', '--lake', lake)).stderr).toContain('"b"');
  });
});

describe('tokenledger prompts retire', () => {
  beforeEach(async () => {
    await runCli('prompts', 'register', await file('one.json', JSON.stringify(base)), '--lake', lake);
  });

  it('sets retired_at from --at once; a second retire notes it and keeps the first time', async () => {
    const run = await runCli(
      'prompts',
      'retire',
      'support-answer',
      'v1',
      '--at',
      '2026-11-20T08:00:00+01:00',
      '--lake',
      lake,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('retired prompt "support-answer" version "v1" at 2026-11-20T08:00:00+01:00\n');
    const again = await runCli('prompts', 'retire', 'support-answer', 'v1', '--lake', lake);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was already retired at 2026-11-20T08:00:00+01:00; nothing changed');
    expect((await new FsPromptRegistry(lake).get('support-answer', 'v1'))?.retired_at).toBe(
      '2026-11-20T08:00:00+01:00',
    );
  });

  it('defaults --at to now', async () => {
    const before = Date.now();
    expect((await runCli('prompts', 'retire', 'support-answer', 'v1', '--lake', lake)).code).toBe(0);
    const at = (await new FsPromptRegistry(lake).get('support-answer', 'v1'))?.retired_at as string;
    expect(Date.parse(at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
  });

  it('exits 1 for a version that is not registered, 2 for a bad --at or missing VERSION', async () => {
    const missing = await runCli('prompts', 'retire', 'support-answer', 'v9', '--lake', lake);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('prompt "support-answer" version "v9" is not registered');
    const bad = await runCli(
      'prompts',
      'retire',
      'support-answer',
      'v1',
      '--at',
      'yesterday',
      '--lake',
      lake,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at "yesterday"');
    expect((await new FsPromptRegistry(lake).get('support-answer', 'v1'))?.retired_at).toBeNull();
    expect((await runCli('prompts', 'retire', 'support-answer', '--lake', lake)).code).toBe(2);
  });
});
