import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeBatch,
  FramingError,
  gunzipOptions,
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

  it('inflates a gzip record in one buffer of the size its trailer states, capped at 4 MiB', () => {
    const lines = Array.from({ length: 300 }, () => line(wireEvent()));
    const [record] = encodeBatch(lines);
    const data = record?.data as Buffer;
    const inflated = Buffer.byteLength(`${lines.join('\n')}\n`);
    expect(gunzipOptions(data).chunkSize).toBe(inflated + 1);
    // A trailer stating 4 GiB (a bomb, or bytes that are not a trailer) asks for no more than 4 MiB up front.
    const huge = Buffer.concat([data.subarray(0, -4), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(gunzipOptions(huge).chunkSize).toBe(4 * 1024 * 1024);
    expect(gunzipOptions(Buffer.from([0x1f, 0x8b])).chunkSize).toBeUndefined();
  });

  it('reads a gzip record of two members, whose trailer states only the last one’s size', () => {
    const first = Array.from({ length: 200 }, () => line(wireEvent()));
    const second = Array.from({ length: 3 }, () => line(wireEvent()));
    const data = Buffer.concat([gzipSync(`${first.join('\n')}\n`), gzipSync(`${second.join('\n')}\n`)]);
    expect(gunzipOptions(data).chunkSize).toBeLessThan(Buffer.byteLength(first.join('\n')));
    expect(decodeRecord(data).map((l) => l.text)).toEqual([...first, ...second]);
  });

  it('refuses to serialise an event over 32 KiB', () => {
    expect(serialiseEvent(wireEvent({ tags: { big: 'x'.repeat(33 * 1024) } }))).toBeNull();
    expect(serialiseEvent(wireEvent())).not.toBeNull();
  });
});
