import { describe, expect, it } from 'vitest';
import { userHash } from '../../packages/client/src/contract/user-hash.ts';
import { uuidv7 } from '../../packages/client/src/contract/uuidv7.ts';

describe('uuidv7', () => {
  it('carries the millisecond time in its first 48 bits, with version 7 and the RFC variant', () => {
    const ms = Date.parse('2026-11-02T10:00:00.123Z');
    const id = uuidv7(ms);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('sorts by time and differs for the same millisecond', () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
    expect(uuidv7(1000)).not.toBe(uuidv7(1000));
  });
});

describe('userHash', () => {
  it('is a keyed, stable 22-character base64url pseudonym that never contains the raw id', () => {
    const h = userHash('key-1', 'alice@example.com');
    expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(userHash('key-1', 'alice@example.com')).toBe(h);
    expect(userHash('key-2', 'alice@example.com')).not.toBe(h);
    expect(userHash('key-1', 'bob@example.com')).not.toBe(h);
    expect(h).not.toContain('alice');
  });
});
