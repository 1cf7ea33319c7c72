import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoPromptRegistry } from '../../src/adapters/dynamodb/dynamo-prompt-registry.ts';
import { runCli } from '../cli/run-cli.ts';
import { type LocalDynamo, startDynalite } from '../helpers/dynalite.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const record = (version: string) => ({
  prompt_id: 'support-answer',
  version,
  author: 'ana@example.com',
  approved_by: 'ben@example.com',
  approved_at: '2026-11-01T10:00:00Z',
  eval: { run_id: 'ev-7', passed: true, score: 0.91, at: '2026-11-01T11:00:00Z' },
  deployed_at: '2026-11-01T12:00:00Z',
  rollout: null,
  kill_switch: 'flags/support-answer',
  retired_at: null,
  change_ref: '4f2a9c1',
  content_sha256: null,
});

let dynamo: LocalDynamo;
let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable('tokenledger-registry', 'prompt_id', 'version');
  ({ dir, remove } = await tempDir('prompts-ddb-'));
  // What a CI job has: credentials in the environment (any will do for dynalite).
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'ci');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'ci');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo.stop();
  await remove();
});

const table = () => [
  '--table',
  'tokenledger-registry',
  '--region',
  'us-east-1',
  '--endpoint-url',
  dynamo.endpoint,
];

describe('tokenledger prompts register|retire --table (the deployment registry in DynamoDB)', () => {
  it('registers into the table, refuses the second record of a version, and retires once', async () => {
    const file = join(dir, 'deploy.jsonl');
    await writeFile(file, `${JSON.stringify(record('v1'))}\n${JSON.stringify(record('v2'))}\n`);
    const lake = join(dir, 'lake');

    const first = await runCli('prompts', 'register', file, ...table(), '--lake', lake);
    expect(first.stdout).toContain('2 registered, 0 already registered, 0 invalid');
    expect(first.code).toBe(0);
    const again = await runCli('prompts', 'register', file, ...table());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('prompt "support-answer" version "v1" is already registered');

    const registry = new DynamoPromptRegistry(dynamo.client, 'tokenledger-registry');
    expect((await registry.list()).map((r) => r.version)).toEqual(['v1', 'v2']);
    expect(existsSync(lake)).toBe(false); // nothing went to the lake's registry

    expect(
      (await runCli('prompts', 'retire', 'support-answer', 'v1', '--at', '2026-11-20T00:00:00Z', ...table()))
        .code,
    ).toBe(0);
    const twice = await runCli(
      'prompts',
      'retire',
      'support-answer',
      'v1',
      '--at',
      '2026-11-21T00:00:00Z',
      ...table(),
    );
    expect(twice.stdout).toContain('already retired at 2026-11-20T00:00:00Z');
    expect((await registry.get('support-answer', 'v1'))?.retired_at).toBe('2026-11-20T00:00:00Z');
  });

  it('refuses DynamoDB options without --table and a bad table name, as usage errors', async () => {
    const noTable = await runCli('prompts', 'retire', 'p', 'v1', '--region', 'us-east-1');
    expect(noTable).toMatchObject({ code: 2 });
    expect(noTable.stderr).toContain('--region is for the DynamoDB registry: give --table too');
    const bad = await runCli('prompts', 'retire', 'p', 'v1', '--table', 'a b');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--table "a b" is not a DynamoDB table name');
  });
});
