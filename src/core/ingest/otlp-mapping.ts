import { UserHasher } from '@tokenledger/client/contract';
import { DEFAULT_OTLP_SETTINGS, type OtlpSettings } from '../otlp/otlp-settings.ts';

/** How the consumer turns OTLP spans into events: the deployment's attribute keys and its user-id HMAC key. */
export interface OtlpMapping {
  settings: OtlpSettings;
  /** Raw end-user id → `user_hash`; null leaves user ids out (they are never stored raw). */
  hashUser: ((id: string) => string) | null;
}

/** A mapping with these settings that hashes user ids under `hmacKey` (an empty or absent key leaves them out). */
export function otlpMapping(
  settings: OtlpSettings = DEFAULT_OTLP_SETTINGS,
  hmacKey?: string | Uint8Array,
): OtlpMapping {
  if (hmacKey === undefined || hmacKey.length === 0) return { settings, hashUser: null };
  const hasher = new UserHasher(hmacKey);
  return { settings, hashUser: (id) => hasher.hash(id) };
}
