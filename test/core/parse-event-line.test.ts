import { describe, expect, it } from 'vitest';
import { parseEventLine } from '../../src/core/ingest/parse-event-line.ts';
import { line, wireEvent } from '../helpers/factories.ts';

const NOW = Date.parse('2026-11-02T12:00:00Z');

/** A valid event padded (in an unknown field, which the contract ignores) to exactly `bytes` of UTF-8. */
function eventOfSize(bytes: number): string {
  const base = line(wireEvent({ padding: '' }));
  const missing = bytes - Buffer.byteLength(base);
  const pad = `${'é'.repeat(Math.floor(missing / 2))}${'x'.repeat(missing % 2)}`; // 'é' is 2 bytes
  return base.replace('"padding":""', `"padding":"${pad}"`);
}

describe('parseEventLine', () => {
  it('accepts an event of exactly 32 KiB and refuses one byte more', () => {
    const atLimit = eventOfSize(32 * 1024);
    const over = eventOfSize(32 * 1024 + 1);
    expect(Buffer.byteLength(atLimit)).toBe(32 * 1024);
    expect(Buffer.byteLength(over)).toBe(32 * 1024 + 1);
    expect(parseEventLine(atLimit, NOW).ok).toBe(true);
    const refused = parseEventLine(over, NOW);
    expect(refused.ok ? [] : refused.rejections.map((r) => r.code)).toEqual(['too_large']);
  });

  it('names a line that is not JSON', () => {
    const r = parseEventLine('{"v":1,', NOW);
    expect(r.ok ? [] : r.rejections.map((x) => x.code)).toEqual(['not_json']);
  });
});
