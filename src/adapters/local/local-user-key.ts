import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a local lake keeps the HMAC key it hashes OTLP spans' end-user ids with, when it is given none. */
export const LOCAL_USER_KEY_FILE = join('keys', 'user-hmac.key');

export interface UserKey {
  key: string;
  /** Where the key came from, for the summary: a file, the environment variable, or the lake's own key. */
  source: string;
}

/**
 * The user-id HMAC key for local OTLP ingest: from `file` when given, else the environment variable
 * `TOKENLEDGER_USER_HMAC_KEY`, else the lake's own key (made once, 256 random bits, readable by its owner only).
 * The lake's own key makes local hashes stable from run to run; give the app's key to match its client's hashes.
 */
export function localUserKey(lake: string, file?: string): UserKey {
  if (file !== undefined) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length === 0) throw new Error(`${file}: the key file is empty`);
    return { key, source: file };
  }
  const fromEnv = process.env.TOKENLEDGER_USER_HMAC_KEY?.trim();
  if (fromEnv) return { key: fromEnv, source: 'TOKENLEDGER_USER_HMAC_KEY' };
  const path = join(lake, LOCAL_USER_KEY_FILE);
  try {
    const key = readFileSync(path, 'utf8').trim();
    if (key.length === 0)
      throw new Error(`${path}: the lake's key file is empty; delete it to make a new key`);
    return { key, source: path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(join(lake, 'keys'), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${key}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Made by a run that started at the same time: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return { key: readFileSync(path, 'utf8').trim(), source: path };
    throw err;
  }
  return { key, source: path };
}
