/**
 * 30 bits of an FNV-1a hash of a string's length and last 8 UTF-16 units: a small integer, which a `Map` hashes at
 * once. A string fresh from JSON.parse has no hash yet, and a `Map` or `Set` of strings computes one over every
 * character; ids and hashes are random at their end, where 8 characters tell them apart (docs/benchmarks.md,
 * ingest). Callers compare the strings that share a value whole. (A multiplier of 31 would let neighbouring
 * characters cancel out, as in `…0n` and `…20`.)
 */
export function tailHash(text: string): number {
  let h = Math.imul(0x811c9dc5 ^ text.length, 0x01000193);
  for (let i = Math.max(0, text.length - 8); i < text.length; i++)
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}
