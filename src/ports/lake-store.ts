/**
 * Where the lake lives: an S3 bucket in AWS, a directory locally. Keys are `/`-separated and relative
 * to the lake root (`events/dt=2026-11-02/...`).
 */
export interface LakeStore {
  /**
   * Stores an object unless one already exists at `key`; never overwrites. Resolves `'exists'` when the
   * key was taken (a retried batch), rejects when the store could not be written.
   */
  putNew(key: string, body: Uint8Array, contentType: string): Promise<'written' | 'exists'>;
  /** Stores an object, replacing what is there (reports, which are regenerated); readers see old or new, whole. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<Uint8Array>;
  /** Deletes objects (a rollup's older rolls); a key already gone is not an error. */
  remove(keys: readonly string[]): Promise<void>;
}
