/**
 * The objects invoices arrive as, and where a refused one is moved to (the lake bucket in AWS). The LakeStore
 * port never deletes and never reads a missing key quietly; this one does both, for the inbox only.
 */
export interface ObjectSource {
  /** The object's bytes, or `undefined` when there is no object at `key` (already moved, or deleted). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores an object, replacing what is there. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Deletes the object at `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
}
