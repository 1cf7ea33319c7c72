import { describe, expect, it } from 'vitest';
import { jsonErrorMessage, jsonErrorPlace } from '../../src/core/json-position.ts';

describe('JSON.parse errors, the same on every Node', () => {
  it.each([
    // Node 20 (V8 11) and Node 22+ (V8 12, which adds the line and column) say the same thing once read.
    ['Unterminated string in JSON at position 60', 'Unterminated string in JSON at position 60'],
    [
      'Unterminated string in JSON at position 60 (line 1 column 61)',
      'Unterminated string in JSON at position 60',
    ],
    ['Unexpected end of JSON input', 'Unexpected end of JSON input'],
  ])('%s → %s', (raw, said) => {
    expect(jsonErrorMessage(new SyntaxError(raw))).toBe(said);
  });

  it("this Node's own error reads as position only, and the place is found from it", () => {
    const text = '{"a": 1,\n "b": 2 3}';
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      error = e;
    }
    expect(jsonErrorMessage(error)).not.toMatch(/\(line \d+ column \d+\)/);
    expect(jsonErrorPlace(text, error)).toMatchObject({ at: 'line 2, column 9', truncated: false });
  });
});
