import { Buffer } from 'node:buffer';
import * as zlib from 'node:zlib';

/** The parts of a `zlib.ZstdCompress` stream this uses: its native handle and the state that handle reports in. */
interface ZstdStreamInternals {
  _handle?: {
    writeSync?: (
      flush: number,
      input: Uint8Array,
      inOffset: number,
      inLength: number,
      output: Uint8Array,
      outOffset: number,
      outLength: number,
    ) => void;
  } | null;
  /** After each `writeSync`: [output bytes left, input bytes left]. */
  _writeState?: Uint32Array;
  destroyed: boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

type ZstdCompressConstructor = new (options: { params: Record<number, number> }) => ZstdStreamInternals;
type ZstdCompressSync = (data: Uint8Array, options: { params: Record<number, number> }) => Uint8Array;

/** `zlib.ZstdCompress` and `zlib.zstdCompressSync`: Node has them from 22.15 and 23.8, not on Node 20. */
const ZstdCompress = (zlib as unknown as { ZstdCompress?: ZstdCompressConstructor }).ZstdCompress;
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: ZstdCompressSync }).zstdCompressSync;
/** `ZSTD_c_compressionLevel` in zstd's parameter enum. */
const ZSTD_LEVEL_PARAMETER = 100;
/** `ZSTD_e_end`: end the frame, so that each call's output is a whole zstd frame of its own. */
const ZSTD_E_END = 2;

/**
 * ZSTD compression at `level` with one compression context kept for every call, or null where this Node has no
 * zstd. Each call returns one whole frame, the same bytes as `zlib.zstdCompressSync` with the same level; the
 * bytes are a view of the compressor's own buffer, valid until its next call.
 *
 * Why: `zstdCompressSync` makes and frees a zstd context on every call, about 25 µs however small the input,
 * and the events writer compresses some 40 pages a file (docs/benchmarks.md, ingest). Node's public API has no
 * synchronous call that keeps a context, so this drives the native handle of a `ZstdCompress` stream directly,
 * as Node's own synchronous path does, but without closing it after one input. Those are Node internals: they
 * are checked when the compressor is made (present, and giving the one-shot call's bytes), and any failure
 * later drops the context and answers with the one-shot call, so a Node that changes them is only slower.
 */
export function reusableZstd(level: number): ((page: Uint8Array) => Uint8Array) | null {
  const oneShot = zstdCompressSync;
  if (!oneShot) return null;
  const options = { params: { [ZSTD_LEVEL_PARAMETER]: level } };
  const fallback = (page: Uint8Array) => oneShot(page, options);
  let context = openContext(options);
  let out = new Uint8Array(1 << 16);

  const compress = (page: Uint8Array): Uint8Array => {
    if (context === null) return fallback(page);
    const { handle, state, stream } = context;
    const bound = page.length + (page.length >>> 7) + 1024;
    if (out.length < bound) out = new Uint8Array(Math.max(bound, out.length * 2));
    let inOffset = 0;
    let inLeft = page.length;
    let produced = 0;
    try {
      for (;;) {
        handle(ZSTD_E_END, page, inOffset, inLeft, out, produced, out.length - produced);
        if (stream.destroyed) throw new Error('the zstd stream failed');
        const outLeft = state[0] as number;
        const stillIn = state[1] as number;
        inOffset += inLeft - stillIn;
        inLeft = stillIn;
        produced = out.length - outLeft;
        // zstd ends the frame whenever it has room to: output left over means the frame is whole.
        if (outLeft > 0) return out.subarray(0, produced);
        const grown = new Uint8Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
    } catch {
      // A context in an unknown state is not reused; the one-shot call answers (and throws a real error again).
      context = null;
      return fallback(page);
    }
  };

  if (context === null) return fallback;
  // The check: the reused context gives the one-shot call's bytes, twice in a row (the second on a used context).
  const probe = new TextEncoder().encode('tokenledger zstd probe, tokenledger zstd probe');
  const expected = fallback(probe);
  for (let i = 0; i < 2; i++) {
    if (!Buffer.from(compress(probe)).equals(expected)) return fallback;
  }
  return context === null ? fallback : compress;
}

function openContext(options: { params: Record<number, number> }): {
  handle: NonNullable<NonNullable<ZstdStreamInternals['_handle']>['writeSync']>;
  state: Uint32Array;
  stream: ZstdStreamInternals;
} | null {
  if (!ZstdCompress) return null;
  try {
    const stream = new ZstdCompress(options);
    const native = stream._handle;
    const writeSync = native?.writeSync;
    const state = stream._writeState;
    if (!native || typeof writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2)
      return null;
    // The stream reports a failure as an 'error' event; `destroyed` tells the compressor, the listener keeps it
    // from being unhandled.
    stream.on('error', () => {});
    return { handle: writeSync.bind(native), state, stream };
  } catch {
    return null;
  }
}
