import { createHmac } from 'node:crypto';

/**
 * The pseudonymous user of an event: HMAC-SHA256 under a key only the app holds, truncated to 128 bits and
 * written as 22 base64url characters. A raw user id never leaves the app; without the key the hash cannot be
 * reversed or recomputed, and 128 bits keep distinct-user counts exact for any realistic number of users.
 */
export function userHash(key: string | Uint8Array, userId: string): string {
  return createHmac('sha256', key).update(userId, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/** Caches user hashes: an app sees the same users again and again, and HMAC is the costliest step. */
export class UserHasher {
  private readonly cache = new Map<string, string>();
  constructor(
    private readonly key: string | Uint8Array,
    private readonly maxEntries = 10_000,
  ) {}
  hash(userId: string): string {
    let h = this.cache.get(userId);
    if (h === undefined) {
      h = userHash(this.key, userId);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(userId, h);
    }
    return h;
  }
}
