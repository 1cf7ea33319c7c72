import type { DeployRecord } from '../../core/prompts/deploy-record.ts';
import { byPromptAndVersion, type PromptRegistry } from '../../ports/prompt-registry.ts';
import { FsLakeStore } from './fs-lake-store.ts';

const JSON_TYPE = 'application/json';

/**
 * The prompt registry in the local lake: one JSON file per record at `prompts/<prompt_id>/<version>.json`
 * (each part URI-encoded, a leading dot too, so that no id can leave the folder or pass for a temporary
 * file). Registering writes a temporary file and hard-links it into place, which fails when the record
 * exists (append-only); retiring replaces the file by rename, only while `retired_at` is null. Meant for one
 * writer at a time, as the local lake is.
 */
export class FsPromptRegistry implements PromptRegistry {
  private readonly store: FsLakeStore;

  constructor(lakeRoot: string) {
    this.store = new FsLakeStore(lakeRoot);
  }

  async register(record: DeployRecord): Promise<'registered' | 'exists'> {
    const status = await this.store.putNew(
      keyOf(record.prompt_id, record.version),
      encode(record),
      JSON_TYPE,
    );
    return status === 'written' ? 'registered' : 'exists';
  }

  async retire(
    promptId: string,
    version: string,
    at: string,
  ): Promise<'retired' | 'already_retired' | 'not_found'> {
    const record = await this.get(promptId, version);
    if (record === null) return 'not_found';
    if (record.retired_at !== null && record.retired_at !== undefined) return 'already_retired';
    await this.store.put(keyOf(promptId, version), encode({ ...record, retired_at: at }), JSON_TYPE);
    return 'retired';
  }

  async list(): Promise<DeployRecord[]> {
    const keys = (await this.store.list('prompts/')).filter((k) => k.endsWith('.json'));
    const records = await Promise.all(keys.map(async (k) => decode(await this.store.get(k))));
    return records.sort(byPromptAndVersion);
  }

  async get(promptId: string, version: string): Promise<DeployRecord | null> {
    try {
      return decode(await this.store.get(keyOf(promptId, version)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}

/** The lake key of a record. */
export function keyOf(promptId: string, version: string): string {
  return `prompts/${segment(promptId)}/${segment(version)}.json`;
}

function segment(part: string): string {
  return encodeURIComponent(part).replace(/^\./, '%2E');
}

function encode(record: DeployRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
}

function decode(bytes: Uint8Array): DeployRecord {
  return JSON.parse(new TextDecoder().decode(bytes)) as DeployRecord;
}
