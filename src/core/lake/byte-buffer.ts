import { Buffer } from 'node:buffer';

const encoder = new TextEncoder();
/**
 * From this many UTF-16 units on, a string is written by `Buffer#write` (one native call, about 25 ns whatever the
 * length) rather than by the character loop (about 1.8 ns a character): a user hash is 64 (docs/benchmarks.md,
 * ingest).
 */
const NATIVE_FROM = 16;

/**
 * A growable little-endian byte buffer for building Parquet pages: typed-array writes without a call per byte
 * through a DataView, and strings written as UTF-8 in place (ASCII by a loop, the rest by `encodeInto`, which
 * writes a lone surrogate as U+FFFD as `TextEncoder` does).
 */
export class ByteBuffer {
  bytes: Uint8Array;
  private view: DataView;
  /** `bytes` as a Node Buffer, for its UTF-8 writer. */
  private buffer: Buffer;
  length = 0;

  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(Math.max(capacity, 16));
    this.view = new DataView(this.bytes.buffer);
    this.buffer = Buffer.from(this.bytes.buffer);
  }

  /** Empties the buffer for reuse (it keeps its memory). */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
    this.buffer = Buffer.from(grown.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  i32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** An unsigned integer below 2^53 as a ULEB128 varint. */
  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.u8((v % 0x80) + 0x80);
      v = Math.floor(v / 0x80);
    }
    this.u8(v);
  }

  /** A safe integer zigzag-encoded as a varint, without 32-bit truncation. */
  zigzag(value: number): void {
    this.varint(value < 0 ? -value * 2 - 1 : value * 2);
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * Writes `text` as UTF-8; returns the number of bytes written. A lone surrogate is written as U+FFFD, by either
   * path, as `TextEncoder` does.
   */
  utf8(text: string): number {
    const n = text.length;
    if (n >= NATIVE_FROM) {
      this.reserve(n * 3);
      const written = this.buffer.write(text, this.length);
      this.length += written;
      return written;
    }
    this.reserve(n);
    const bytes = this.bytes;
    const start = this.length;
    let at = start;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.length = at;
        this.reserve((n - i) * 3);
        at += encoder.encodeInto(text.slice(i), this.bytes.subarray(at)).written;
        this.length = at;
        return at - start;
      }
      bytes[at++] = c;
    }
    this.length = at;
    return at - start;
  }

  /**
   * Writes an ASCII string's characters from `from` on (its UTF-8 bytes, as it is ASCII); false, and nothing
   * written, when it is not ASCII. (The whole string is written, then its tail moved over its head: one native
   * write and one move instead of a loop over its characters.)
   */
  asciiFrom(text: string, from: number): boolean {
    const n = text.length;
    this.reserve(n * 3);
    const at = this.length;
    if (this.buffer.write(text, at) !== n) return false;
    if (from > 0) this.bytes.copyWithin(at, at + from, at + n);
    this.length = at + n - from;
    return true;
  }

  /** The bytes written so far (a view, valid until the next write). */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
