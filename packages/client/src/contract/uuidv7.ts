import { randomFillSync } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered, so event ids sort
 * and compress well. `random` supplies the 10 random bytes (tests and the demo pass a seeded source).
 */
export function uuidv7(ms: number = Date.now(), random: (bytes: Uint8Array) => void = pooledRandom): string {
  const r = Buffer.allocUnsafe(10);
  random(r);
  r[0] = 0x70 | ((r[0] as number) & 0x0f); // version 7
  r[2] = 0x80 | ((r[2] as number) & 0x3f); // variant 10
  const t = Math.floor(ms).toString(16).padStart(12, '0');
  const h = r.toString('hex');
  return `${t.slice(0, 8)}-${t.slice(8)}-${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8)}`;
}

const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** Cryptographic random bytes, drawn from a pool refilled 4 kB at a time (one system call per ~400 ids). */
function pooledRandom(bytes: Uint8Array): void {
  if (poolOffset + bytes.length > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  bytes.set(pool.subarray(poolOffset, poolOffset + bytes.length));
  poolOffset += bytes.length;
}
