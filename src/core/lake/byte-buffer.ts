const encoder = new TextEncoder();

/**
 * A growable little-endian byte buffer for building Parquet pages: typed-array writes without a call per byte
 * through a DataView, and strings written as UTF-8 in place (ASCII by a loop, the rest by `encodeInto`, which
 * writes a lone surrogate as U+FFFD as `TextEncoder` does).
 */
export class ByteBuffer {
  bytes: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(Math.max(capacity, 16));
    this.view = new DataView(this.bytes.buffer);
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

  /** Writes `text` as UTF-8; returns the number of bytes written. */
  utf8(text: string): number {
    const n = text.length;
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

  /** The bytes written so far (a view, valid until the next write). */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
