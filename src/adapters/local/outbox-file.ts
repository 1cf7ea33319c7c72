import { randomUUID } from 'node:crypto';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file of the outbox once: to a temporary name in its folder, then hard-linked into place, so no reader
 * sees half a file and an existing one is never overwritten. When `target` exists it throws "the outbox already
 * holds <what> (<target>); not overwriting it".
 */
export async function writeOutboxFile(
  target: string,
  data: string | Uint8Array,
  what: string,
): Promise<void> {
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${randomUUID()}`);
  try {
    await writeFile(temp, data);
    await link(temp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`the outbox already holds ${what} (${target}); not overwriting it`, { cause: err });
    }
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}
