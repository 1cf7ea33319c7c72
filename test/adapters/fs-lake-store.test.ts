import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dirs: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => d.remove()));
});

async function store(): Promise<FsLakeStore> {
  const tmp = await tempDir('fs-lake-store-');
  dirs.push(tmp);
  return new FsLakeStore(tmp.dir);
}

/** Every file under a directory, temporary ones included (`list` hides those). */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const KEY = 'events/dt=2026-11-02/bench/shardId-000000000000/1-2.parquet';

describe('FsLakeStore (local lake)', () => {
  it('putNew creates the key’s directories, stores the body whole and leaves no temporary file', async () => {
    const lake = await store();
    expect(await lake.putNew(KEY, bytes('first'), 'application/octet-stream')).toBe('written');
    expect(Buffer.from(await lake.get(KEY)).toString()).toBe('first');
    expect(await lake.list('events/')).toEqual([KEY]);
    expect(await allFiles(lake.root)).toEqual(['1-2.parquet']);
  });

  it('putNew never overwrites: a key already there resolves "exists" and keeps the first body', async () => {
    const lake = await store();
    await lake.putNew(KEY, bytes('first'), 'application/octet-stream');
    expect(await lake.putNew(KEY, bytes('second'), 'application/octet-stream')).toBe('exists');
    expect(Buffer.from(await lake.get(KEY)).toString()).toBe('first');
    expect(await allFiles(lake.root)).toEqual(['1-2.parquet']);
  });

  it('of concurrent putNew calls on one key exactly one writes, and its body is the one stored', async () => {
    const lake = await store();
    const bodies = Array.from({ length: 8 }, (_, i) => `body ${i} `.repeat(10_000));
    const results = await Promise.all(bodies.map((b) => lake.putNew(KEY, bytes(b), 'x')));
    expect(results.filter((r) => r === 'written')).toHaveLength(1);
    const stored = Buffer.from(await lake.get(KEY)).toString();
    expect(stored).toBe(bodies[results.indexOf('written')]);
    expect(await allFiles(lake.root)).toEqual(['1-2.parquet']);
  });

  it('writes again into a directory removed since the last write', async () => {
    const lake = await store();
    await lake.putNew(KEY, bytes('first'), 'x');
    await rm(join(lake.root, 'events'), { recursive: true });
    expect(await lake.putNew(KEY, bytes('again'), 'x')).toBe('written');
    expect(Buffer.from(await lake.get(KEY)).toString()).toBe('again');
  });

  it('put replaces an object whole and leaves no temporary file', async () => {
    const lake = await store();
    await lake.put('reports/a.json', bytes('old'), 'application/json');
    await lake.put('reports/a.json', bytes('new'), 'application/json');
    expect(await readFile(join(lake.root, 'reports', 'a.json'), 'utf8')).toBe('new');
    expect(await allFiles(lake.root)).toEqual(['a.json']);
  });

  it('a write that fails rejects and leaves neither the key nor a temporary file', async () => {
    const lake = await store();
    // The key's directory is a file: the temporary file cannot be created under it.
    await lake.put('events', bytes('not a directory'), 'x');
    await expect(lake.putNew('events/dt=2026-11-02/x.parquet', bytes('body'), 'x')).rejects.toThrow();
    expect(await allFiles(lake.root)).toEqual(['events']);
  });

  it('refuses keys that leave the lake', async () => {
    const lake = await store();
    await expect(lake.putNew('../outside', bytes('x'), 'x')).rejects.toThrow(/leaves the lake/);
  });
});
