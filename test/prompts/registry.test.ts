import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoPromptRegistry } from '../../src/adapters/dynamodb/dynamo-prompt-registry.ts';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import type { DeployRecord } from '../../src/core/prompts/deploy-record.ts';
import type { PromptRegistry } from '../../src/ports/prompt-registry.ts';
import { type LocalDynamo, startDynalite } from '../helpers/dynalite.ts';

function record(over: Partial<DeployRecord> = {}): DeployRecord {
  return {
    prompt_id: 'support-answer',
    version: 'v1',
    author: 'ana@example.com',
    approved_by: 'bo@example.com',
    approved_at: '2026-11-01T10:00:00Z',
    eval: { run_id: 'eval-42', passed: true, score: 0.91, at: '2026-11-01T09:00:00Z' },
    deployed_at: '2026-11-01T12:00:00+01:00',
    rollout: { cohorts: ['free', 'pro'], percent: 25 },
    kill_switch: 'flags/support-answer-v1',
    retired_at: null,
    change_ref: 'git:abc123',
    content_sha256: 'a'.repeat(64),
    ...over,
  };
}

interface Harness {
  setup: () => Promise<void>;
  fresh: () => Promise<PromptRegistry>;
  teardown: () => Promise<void>;
}

let dynamo: LocalDynamo | undefined;
let tables = 0;
const dirs: string[] = [];

const harnesses: [string, Harness][] = [
  [
    'DynamoPromptRegistry (dynalite, real SDK)',
    {
      setup: async () => {
        dynamo = await startDynalite();
      },
      fresh: async () => {
        const local = dynamo as LocalDynamo;
        const table = `prompt-registry-${++tables}`;
        await local.createTable(table, 'prompt_id', 'version');
        return new DynamoPromptRegistry(local.client, table);
      },
      teardown: async () => dynamo?.stop(),
    },
  ],
  [
    'FsPromptRegistry (local lake)',
    {
      setup: async () => {},
      fresh: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'prompt-registry-'));
        dirs.push(dir);
        return new FsPromptRegistry(dir);
      },
      teardown: async () => {
        await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      },
    },
  ],
];

describe.each(harnesses)('%s', (_name, harness) => {
  let registry: PromptRegistry;
  beforeAll(harness.setup);
  afterAll(harness.teardown);
  beforeEach(async () => {
    registry = await harness.fresh();
  });

  it('registers a record once and refuses a second one for the same prompt_id + version', async () => {
    expect(await registry.register(record())).toBe('registered');
    expect(await registry.register(record({ author: 'mallory@example.com' }))).toBe('exists');
    expect(await registry.get('support-answer', 'v1')).toEqual(record());
    expect(await registry.register(record({ version: 'v2' }))).toBe('registered');
  });

  it('sets retired_at once', async () => {
    await registry.register(record());
    expect(await registry.retire('support-answer', 'v1', '2026-11-20T08:00:00Z')).toBe('retired');
    expect(await registry.retire('support-answer', 'v1', '2026-11-21T08:00:00Z')).toBe('already_retired');
    expect((await registry.get('support-answer', 'v1'))?.retired_at).toBe('2026-11-20T08:00:00Z');
  });

  it('does not retire what is not registered', async () => {
    await registry.register(record());
    expect(await registry.retire('support-answer', 'v9', '2026-11-20T08:00:00Z')).toBe('not_found');
    expect(await registry.retire('nope', 'v1', '2026-11-20T08:00:00Z')).toBe('not_found');
    expect(await registry.get('support-answer', 'v9')).toBeNull();
    expect(await registry.list()).toHaveLength(1);
  });

  it('a record registered already retired stays so', async () => {
    await registry.register(record({ retired_at: '2026-11-05T00:00:00Z' }));
    expect(await registry.retire('support-answer', 'v1', '2026-11-20T08:00:00Z')).toBe('already_retired');
  });

  it('lists every record, by prompt_id then version, nulls kept', async () => {
    await registry.register(record({ prompt_id: 'summarise', version: 'v2' }));
    await registry.register(
      record({
        version: 'v3',
        approved_by: null,
        approved_at: null,
        eval: null,
        rollout: null,
        kill_switch: null,
        change_ref: null,
        content_sha256: null,
      }),
    );
    await registry.register(record({ prompt_id: 'summarise', version: 'v1' }));
    const list = await registry.list();
    expect(list.map((r) => `${r.prompt_id}@${r.version}`)).toEqual([
      'summarise@v1',
      'summarise@v2',
      'support-answer@v3',
    ]);
    expect(list[2]).toEqual(
      record({
        version: 'v3',
        approved_by: null,
        approved_at: null,
        eval: null,
        rollout: null,
        kill_switch: null,
        change_ref: null,
        content_sha256: null,
      }),
    );
  });

  it('keeps ids with slashes and dots apart and inside the registry', async () => {
    await registry.register(record({ prompt_id: '../escape', version: '..' }));
    await registry.register(record({ prompt_id: 'team/a', version: '1.2.0' }));
    expect(await registry.get('../escape', '..')).toMatchObject({ prompt_id: '../escape', version: '..' });
    expect((await registry.list()).map((r) => r.prompt_id)).toEqual(['../escape', 'team/a']);
  });
});

describe('FsPromptRegistry files', () => {
  it('writes one JSON file per record under prompts/<prompt_id>/<version>.json, no temporary left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prompt-registry-'));
    try {
      const registry = new FsPromptRegistry(dir);
      await registry.register(record());
      await registry.retire('support-answer', 'v1', '2026-11-20T08:00:00Z');
      expect(await readdir(join(dir, 'prompts', 'support-answer'))).toEqual(['v1.json']);
      const stored = JSON.parse(await readFile(join(dir, 'prompts', 'support-answer', 'v1.json'), 'utf8'));
      expect(stored.retired_at).toBe('2026-11-20T08:00:00Z');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
