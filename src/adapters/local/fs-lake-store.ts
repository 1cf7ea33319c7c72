import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { LakeStore } from '../../ports/lake-store.ts';

/**
 * The lake as a local directory. An object is written to a temporary file and then hard-linked into place,
 * which fails if the key exists: no reader ever sees half a file, and nothing is overwritten.
 */
export class FsLakeStore implements LakeStore {
  constructor(readonly root: string) {}

  /**
   * The consumer's write (one object per day and batch). Synchronous file-system calls, three an object when
   * the directory exists (write the temporary file, link it, unlink the temporary name; the directory is
   * created only when the write finds it missing): each asynchronous call is a round trip through libuv's
   * thread pool and back, and on a loaded machine those waits, not the writing, were most of the store's time
   * (docs/benchmarks.md, ingest). A local lake is written by one consumer at a time, whose batch is built
   * synchronously anyway.
   */
  async putNew(key: string, body: Uint8Array, _contentType: string): Promise<'written' | 'exists'> {
    const target = this.pathOf(key);
    const dir = dirname(target);
    const temp = join(dir, `.tmp-${randomUUID()}`);
    try {
      writeFileSync(temp, body, { flag: 'wx' });
    } catch (err) {
      rmSync(temp, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dir, { recursive: true });
      try {
        writeFileSync(temp, body, { flag: 'wx' });
      } catch (again) {
        rmSync(temp, { force: true });
        throw again;
      }
    }
    try {
      linkSync(temp, target);
      return 'written';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw err;
    } finally {
      removeTemp(temp);
    }
  }

  async put(key: string, body: Uint8Array, _contentType: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.tmp-${randomUUID()}`);
    await writeFile(temp, body);
    await rename(temp, target);
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.pathOf(prefix.replace(/\/?$/, ''));
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.startsWith('.tmp-')) keys.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(base);
    return keys.sort();
  }

  async get(key: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.pathOf(key)));
  }

  async remove(keys: readonly string[]): Promise<void> {
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (key.split('/').some((part) => part === '..'))
      throw new Error(`lake key ${JSON.stringify(key)} leaves the lake`);
    return join(this.root, ...key.split('/'));
  }
}

/** Removes a temporary file; one already gone is not an error. */
function removeTemp(temp: string): void {
  try {
    unlinkSync(temp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
