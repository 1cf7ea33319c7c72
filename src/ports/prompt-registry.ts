import type { DeployRecord } from '../core/prompts/deploy-record.ts';

/**
 * The prompt registry (docs/contracts.md §8): DynamoDB in AWS, files in the lake locally. Append-only: a record for a
 * prompt_id + version is written once and never replaced; `retired_at` is set once.
 */
export interface PromptRegistry {
  /** Stores a validated record; `'exists'` (nothing changed) when that prompt_id + version is registered. */
  register(record: DeployRecord): Promise<'registered' | 'exists'>;
  /** Sets `retired_at` to `at` unless it is already set. */
  retire(promptId: string, version: string, at: string): Promise<'retired' | 'already_retired' | 'not_found'>;
  /** Every record, sorted by prompt_id then version. */
  list(): Promise<DeployRecord[]>;
  /** One record, or null when that prompt_id + version is not registered. */
  get(promptId: string, version: string): Promise<DeployRecord | null>;
}

/** Orders records by prompt_id, then version (plain string order). */
export function byPromptAndVersion(a: DeployRecord, b: DeployRecord): number {
  if (a.prompt_id !== b.prompt_id) return a.prompt_id < b.prompt_id ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return 0;
}
