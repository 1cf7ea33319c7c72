import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeBatch,
  FramingError,
  serialiseEvent,
} from '../../src/core/framing/record-framing.ts';
import { line, wireEvent } from '../helpers/factories.ts';

describe('record framing', () => {
  it('decodes a single JSON event record', () => {
    const text = line(wireEvent());
    expect(decodeRecord(Buffer.from(text))).toEqual([{ index: 0, text }]);
  });

  it('round-trips a gzip NDJSON batch in order', () => {
    const lines = Array.from({ length: 50 }, () => line(wireEvent()));
    const records = encodeBatch(lines);
    expect(records).toHaveLength(1);
    expect(records[0]?.data[0]).toBe(0x1f);
    expect(records[0]?.events).toBe(50);
    expect(decodeRecord(records[0]?.data as Buffer).map((l) => l.text)).toEqual(lines);
  });

  it('splits a batch into records under the size limit, keeping every event once and in order', () => {
    const lines = Array.from({ length: 400 }, (_, i) =>
      line(wireEvent({ tags: { noise: `${i}-${Math.random()}` } })),
    );
    const records = encodeBatch(lines, 4096);
    expect(records.length).toBeGreaterThan(1);
    for (const r of records) expect(r.data.length).toBeLessThanOrEqual(4096);
    expect(records.flatMap((r) => decodeRecord(r.data).map((l) => l.text))).toEqual(lines);
    expect(records.reduce((n, r) => n + r.events, 0)).toBe(400);
  });

  it('keeps the position of each line and skips blank ones', () => {
    const data = gzipSync('{"a":1}\n\n{"b":2}\r\n');
    expect(decodeRecord(data)).toEqual([
      { index: 0, text: '{"a":1}' },
      { index: 2, text: '{"b":2}' },
    ]);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['unknown_framing', Buffer.from('[1,2]')],
    ['bad_gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01])],
    ['bad_utf8', Buffer.from([0x7b, 0xff, 0xfe])],
  ])('refuses a %s record with a FramingError', (code, data) => {
    expect(() => decodeRecord(data)).toThrow(FramingError);
    try {
      decodeRecord(data);
    } catch (err) {
      expect((err as FramingError).code).toBe(code);
    }
  });

  it('refuses a small gzip record that would inflate past the limit (a decompression bomb)', () => {
    const bomb = gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(() => decodeRecord(bomb)).toThrow(/inflates to more than/);
  });

  it('refuses to serialise an event over 32 KiB', () => {
    expect(serialiseEvent(wireEvent({ tags: { big: 'x'.repeat(33 * 1024) } }))).toBeNull();
    expect(serialiseEvent(wireEvent())).not.toBeNull();
  });
});
