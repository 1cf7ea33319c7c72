import type { LakeStore } from '../../src/ports/lake-store.ts';

/**
 * Wraps a real store and fails the writes whose key matches. A fake only to inject a fault the emulators
 * cannot produce: s3rver and the file system cannot be told to refuse one particular object.
 */
export class FailingStore implements LakeStore {
  failures = 0;
  constructor(
    private readonly inner: LakeStore,
    private readonly fails: (key: string) => boolean,
  ) {}
  async putNew(key: string, body: Uint8Array, contentType: string): Promise<'written' | 'exists'> {
    if (this.fails(key)) {
      this.failures++;
      throw new Error(`injected: cannot write ${key}`);
    }
    return this.inner.putNew(key, body, contentType);
  }
  put(key: string, body: Uint8Array, contentType: string) {
    if (this.fails(key)) throw new Error(`injected: cannot write ${key}`);
    return this.inner.put(key, body, contentType);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  remove(keys: readonly string[]) {
    return this.inner.remove(keys);
  }
}
