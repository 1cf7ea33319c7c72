import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered, so event ids sort
 * and compress well. `random` supplies the 10 random bytes (tests and the demo pass a seeded source).
 */
export function uuidv7(ms: number = Date.now(), random: (bytes: Uint8Array) => void = pooledRandom): string {
  const b = new Uint8Array(16);
  random(b.subarray(6));
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i] ?? 0];
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
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
