import * as zlib from 'node:zlib';
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { describe, expect, it } from 'vitest';
import { packBits } from '../../src/core/lake/bit-pack.ts';
import { ByteBuffer } from '../../src/core/lake/byte-buffer.ts';
import { dictionaryPays } from '../../src/core/lake/encoded-column.ts';
import { NumberIds } from '../../src/core/lake/number-ids.ts';
import { writeRleBitPacked } from '../../src/core/lake/rle-hybrid.ts';
import { reusableZstd } from '../../src/core/lake/zstd-context.ts';
import { StringIds } from '../../src/core/string-ids.ts';
import { rememberTableBits, tableBits } from '../../src/core/table-sizes.ts';
import { tailHash } from '../../src/core/tail-hash.ts';
import { Random } from '../../src/demo/random.ts';

// The events writer's own encoders, each against the library or Node call it stands in for: the same bytes, or
// the same answers, on inputs made to reach their edges.

type ZstdCompressSync = (data: Uint8Array, options: { params: Record<number, number> }) => Uint8Array;
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: ZstdCompressSync }).zstdCompressSync;
type ZstdDecompressSync = (data: Uint8Array) => Uint8Array;
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: ZstdDecompressSync })
  .zstdDecompressSync;

/** Bytes that compress as a column page does: runs, repeated short strings, and some random ones. */
function pageLike(random: Random, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; ) {
    const kind = random.int(0, 2);
    const length = Math.min(size - i, random.int(1, 64));
    const value = random.int(0, 255);
    for (let k = 0; k < length; k++, i++)
      bytes[i] = kind === 0 ? value : kind === 1 ? 97 + (k % 7) : random.int(0, 255);
  }
  return bytes;
}

describe.skipIf(!zstdCompressSync)('reusableZstd: one context for every page', () => {
  const oneShot = (page: Uint8Array, level: number) =>
    new Uint8Array((zstdCompressSync as ZstdCompressSync)(page, { params: { 100: level } }));

  it("gives the one-shot call's bytes, page after page, small and large (past its buffer)", () => {
    const compress = reusableZstd(1);
    expect(compress).not.toBeNull();
    const random = new Random(7);
    // Empty, tiny, typical, and incompressible pages larger than the compressor's first 64 KiB buffer.
    const sizes = [0, 1, 63, 64, 4_000, 65_536, 100_000, 12, 140_000, 5, 70_000];
    for (const size of sizes) {
      const page = pageLike(random, size);
      if (size >= 65_536 && size % 2 === 0) random.fill(page);
      const got = new Uint8Array((compress as (p: Uint8Array) => Uint8Array)(page));
      expect(got).toEqual(oneShot(page, 1));
      expect(new Uint8Array((zstdDecompressSync as ZstdDecompressSync)(got))).toEqual(page);
    }
  });

  it('keeps the level it was made with', () => {
    const page = pageLike(new Random(11), 20_000);
    const level3 = reusableZstd(3) as (p: Uint8Array) => Uint8Array;
    expect(new Uint8Array(level3(page))).toEqual(oneShot(page, 3));
  });

  it('returns a view of its own buffer, which the next call overwrites: callers copy or write it first', () => {
    const compress = reusableZstd(1) as (p: Uint8Array) => Uint8Array;
    const a = pageLike(new Random(1), 3_000);
    const b = pageLike(new Random(2), 3_000);
    const first = compress(a);
    const copy = first.slice();
    compress(b);
    expect(copy).toEqual(oneShot(a, 1));
    expect(first.buffer).toBe(compress(a).buffer);
  });
});

describe('packBits: values LSB first, bit by bit', () => {
  /** The reference: each value's bits one at a time, zeros past `available`. */
  function reference(
    values: Int32Array,
    from: number,
    to: number,
    available: number,
    width: number,
  ): number[] {
    const bits: number[] = [];
    for (let i = from; i < to; i++) {
      const v = i < available ? (values[i] as number) : 0;
      for (let b = 0; b < width; b++) bits.push((v >>> b) & 1);
    }
    const out: number[] = [];
    for (let i = 0; i < bits.length; i += 8) {
      let byte = 0;
      for (let b = 0; b < 8 && i + b < bits.length; b++) byte |= (bits[i + b] as number) << b;
      out.push(byte);
    }
    return out;
  }

  it.each([0, 1, 2, 3, 4, 5, 8, 11, 24])(
    'width %i: whole groups, partial ones, and positions past the values',
    (width) => {
      const random = new Random(width + 7);
      const values = Int32Array.from({ length: 200 }, () => random.int(0, 2 ** width - 1));
      for (let trial = 0; trial < 200; trial++) {
        const from = random.int(0, 40);
        const to = from + 8 * random.int(0, 12) + (random.chance(0.3) ? random.int(0, 7) : 0);
        const available = random.chance(0.5) ? 200 : random.int(from, to + 3);
        const bytes = new Uint8Array(512).fill(0xee);
        const end = packBits(bytes, 5, values, from, to, available, width);
        const want = reference(values, from, to, available, width);
        expect([from, to, available, Array.from(bytes.subarray(5, end))]).toEqual([
          from,
          to,
          available,
          want,
        ]);
        expect(bytes[4]).toBe(0xee);
      }
    },
  );
});

describe('writeRleBitPacked: the bytes of hyparquet-writer’s RLE / bit-packing hybrid', () => {
  /** Values with runs of every length around 8, at `width` bits. */
  function values(random: Random, n: number, width: number): Int32Array {
    const out = new Int32Array(n);
    const most = width === 0 ? 0 : 2 ** width - 1;
    for (let i = 0; i < n; ) {
      const run = random.chance(0.3) ? random.int(1, 20) : 1;
      const value = random.int(0, most);
      for (let k = 0; k < run && i < n; k++, i++) out[i] = value;
    }
    return out;
  }

  it.each([0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 20, 24])('bit width %i, lengths 0 to 300', (width) => {
    const random = new Random(width + 100);
    for (let n = 0; n <= 300; n += random.int(1, 13)) {
      const input = values(random, n, width);
      const reference = new ByteWriter(1024);
      writeRleBitPackedHybrid(reference, input, width);
      const out = new ByteBuffer(4);
      out.u8(0xab);
      writeRleBitPacked(out, input, width);
      expect(out.written()[0]).toBe(0xab);
      expect(out.written().subarray(1)).toEqual(new Uint8Array(reference.getBytes()));
    }
  });

  it('presence flags (width 1) of a column of 10,000 with long runs and scattered nulls', () => {
    const random = new Random(5);
    const flags = new Uint8Array(10_000).map(() => (random.chance(0.97) ? 1 : 0));
    const reference = new ByteWriter(1024);
    writeRleBitPackedHybrid(reference, flags, 1);
    const out = new ByteBuffer(16);
    writeRleBitPacked(out, flags, 1);
    expect(out.written()).toEqual(new Uint8Array(reference.getBytes()));
  });
});

describe('StringIds: the answers of a Map from value to id', () => {
  /** Looks each value up, adding it when absent (by `get` and `add`, or by `getOrAdd`); every answer from both. */
  function answers(
    stream: readonly string[],
    how: 'get, add' | 'getOrAdd',
  ): { got: (number | undefined)[]; want: (number | undefined)[] } {
    const values: string[] = [];
    const ids = new StringIds(values);
    const reference = new Map<string, number>();
    const got: (number | undefined)[] = [];
    const want: (number | undefined)[] = [];
    for (const value of stream) {
      let id: number | undefined;
      if (how === 'getOrAdd') {
        const known = ids.getOrAdd(value, values.length);
        id = known < 0 ? undefined : known;
      } else {
        id = ids.get(value);
        if (id === undefined) ids.add(value, values.length);
      }
      if (id === undefined) values.push(value);
      got.push(id);
      want.push(reference.get(value));
      if (!reference.has(value)) reference.set(value, reference.size);
    }
    return { got, want };
  }

  for (const how of ['get, add', 'getOrAdd'] as const) {
    it(`user hashes and customer ids with repeats, each value built anew (as JSON.parse makes them): ${how}`, () => {
      const random = new Random(3);
      const hex = () => random.int(0, 0xffffff).toString(16).padStart(6, '0');
      const hashes = Array.from({ length: 500 }, () => `${hex()}${hex()}${hex()}${hex()}`);
      const stream = Array.from({ length: 5_000 }, () => [random.pick(hashes)].join(''));
      const { got, want } = answers(stream, how);
      expect(got).toEqual(want);
      expect(new Set(got.filter((id) => id !== undefined)).size).toBe(new Set(stream).size);
    });

    it(`values ending alike (one hash), of other lengths, and empty: ${how}`, () => {
      const alike = Array.from({ length: 30 }, (_, i) => `${'x'.repeat(i % 4)}${i}-same-end-12345678`);
      const stream = [...alike, '', 'a', '', ...alike.reverse(), 'same-end-12345678', '12345678'];
      expect(alike.every((v) => tailHash(v) === tailHash(`${v.slice(0, -8)}12345678`))).toBe(true);
      const { got, want } = answers(stream, how);
      expect(got).toEqual(want);
    });

    it(`so many values ending alike that the table turns into a Map, then more values: ${how}`, () => {
      // 600 values of one length and one tail share one hash: each new one meets all the others before it, so
      // the collisions pass the table's bound early and the rest is answered by a Map of the values.
      const alike = Array.from({ length: 600 }, (_, i) => `${String(i).padStart(6, 'q')}-tail-87654321`);
      const others = Array.from({ length: 300 }, (_, i) => `other-${i}`);
      const stream = [...alike, ...others, ...alike.slice(0, 50), ...others.slice(0, 50), 'last'];
      const { got, want } = answers(stream, how);
      expect(got).toEqual(want);
    });
  }
});

describe('ByteBuffer: UTF-8 as TextEncoder writes it', () => {
  const samples = [
    '',
    'short',
    'a'.repeat(15),
    'b'.repeat(16),
    'f3a1c0de'.repeat(8),
    'växjö 🚀 東京 — a label long enough for the native path',
    `lone \uD800 high and \uDFFF low surrogates, ${'pad'.repeat(5)}`,
    '\u{1F600}'.repeat(20),
  ];

  it.each(samples.map((s) => [s.length, s]))('a string of %i UTF-16 units', (_n, text) => {
    const out = new ByteBuffer(2);
    out.u8(1);
    const written = out.utf8(text as string);
    const expected = new TextEncoder().encode(text as string);
    expect(written).toBe(expected.length);
    expect(out.written()).toEqual(new Uint8Array([1, ...expected]));
  });

  it('asciiFrom: the characters from `from` on for ASCII, nothing and false otherwise', () => {
    const out = new ByteBuffer(2);
    expect(out.asciiFrom('0190a1b2-c3d4-7e5f-8a9b-0123456789ab', 9)).toBe(true);
    expect(out.asciiFrom('xyz', 0)).toBe(true);
    const before = out.written().slice();
    expect(out.asciiFrom('0190a1b2-é', 9)).toBe(false);
    expect(out.asciiFrom(`${'a'.repeat(40)}\uD800`, 2)).toBe(false);
    expect(out.written()).toEqual(before);
    expect(Buffer.from(before).toString('latin1')).toBe('c3d4-7e5f-8a9b-0123456789abxyz');
  });
});

describe('StringIds and NumberIds started at a size given (a table of the same name last grew to it)', () => {
  it('a table started larger, or at less than its least, answers as one that grew', () => {
    const random = new Random(8);
    const strings = Array.from({ length: 3_000 }, () => `user-${random.int(0, 900)}`);
    for (const bits of [0, 6, 12, 17]) {
      const values: string[] = [];
      const ids = new StringIds(values, bits);
      const reference = new Map<string, number>();
      for (const value of strings) {
        const known = ids.getOrAdd(value, values.length);
        expect(known < 0 ? undefined : known).toBe(reference.get(value));
        if (known < 0) values.push(value);
        if (!reference.has(value)) reference.set(value, reference.size);
      }
      expect(ids.capacityBits).toBe(Math.max(bits, 6, Math.ceil(Math.log2(2 * (reference.size + 1)))));
    }
    const numbers = Array.from({ length: 3_000 }, () => random.int(0, 2_500));
    for (const bits of [0, 10, 15]) {
      const ids = new NumberIds(bits);
      const reference = new Map<number, number>();
      for (const value of numbers) {
        expect(ids.get(value)).toBe(reference.get(value));
        if (!reference.has(value)) {
          ids.add(value, reference.size);
          reference.set(value, reference.size);
        }
      }
      expect(ids.capacityBits).toBeGreaterThanOrEqual(Math.max(bits, 10));
    }
  });

  it('a size remembered for a name is capped, so one huge table does not make every later one huge', () => {
    rememberTableBits('test: a column', 25);
    expect(tableBits('test: a column')).toBe(17);
    rememberTableBits('test: a column', 9);
    expect(tableBits('test: a column')).toBe(9);
    expect(tableBits('test: a name never used')).toBeUndefined();
  });
});

describe('NumberIds: the answers of a Map from number to id', () => {
  it('token counts, fractional latencies, and the edge values a Map treats as one key (NaN; 0 and -0)', () => {
    const random = new Random(21);
    const values = [
      ...Array.from({ length: 6_000 }, () => random.int(0, 5_000)),
      ...Array.from({ length: 3_000 }, () => Math.round(random.next() * 1e5) / 100),
      Number.NaN,
      Number.NaN,
      0,
      -0,
      -1,
      2 ** 31,
      -(2 ** 31),
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ];
    const stream = [...values, ...values.reverse()];
    const ids = new NumberIds();
    const reference = new Map<number, number>();
    let next = 0;
    for (const value of stream) {
      expect(ids.get(value)).toBe(reference.get(value));
      if (!reference.has(value)) {
        ids.add(value, next);
        reference.set(value, next++);
      }
    }
    expect(next).toBe(reference.size);
    // Grown from 1,024 slots several times, every id still found.
    for (const [value, id] of reference) expect(ids.get(value)).toBe(id);
  });
});

describe('dictionaryPays: the rule’s index width, in integer operations', () => {
  it('answers as the rule written with Math.ceil(Math.log2(distinct)) for every count up to 2^20 and around powers of two', () => {
    const rule = (
      distinctBytes: number,
      distinct: number,
      present: number,
      totalBytes: number,
      prefix: number,
    ) => {
      if (distinct === 0) return false;
      const bitWidth = Math.ceil(Math.log2(distinct));
      return (
        2 * (distinctBytes + distinct * prefix + Math.ceil((present * bitWidth) / 8)) <=
        totalBytes + present * prefix
      );
    };
    const counts = Array.from({ length: 1 << 20 }, (_, i) => i);
    for (let bits = 20; bits < 31; bits++) counts.push(2 ** bits - 1, 2 ** bits, 2 ** bits + 1);
    for (const distinct of counts) {
      // A PLAIN size at which the index width decides the answer: the dictionary's own bytes are small.
      const present = 1_000_003;
      const width = distinct <= 1 ? 0 : Math.ceil(Math.log2(distinct));
      const edge = 2 * (distinct + Math.ceil((present * width) / 8));
      for (const total of [edge - 1, edge, edge + 1]) {
        if (
          dictionaryPays(distinct, distinct, present, total, 0) !==
          rule(distinct, distinct, present, total, 0)
        )
          throw new Error(`distinct ${distinct}, total ${total}`);
      }
    }
  });
});
