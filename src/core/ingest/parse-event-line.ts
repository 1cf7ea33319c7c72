import { EVENT_LIMITS, quote, type Validation, validateEvent } from '@tokenledger/client/contract';
import { jsonErrorMessage } from '../json-position.ts';

/**
 * One NDJSON line to a valid event or its rejections: the size limit, JSON, then the contract. The consumer
 * runs it on every event of a record; the CLI runs it on a file's lines to name the ones it will refuse.
 */
export function parseEventLine(text: string, receivedAt: number): Validation {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only long lines need counting.
  const bytes = text.length * 3 <= EVENT_LIMITS.eventBytesMax ? 0 : Buffer.byteLength(text, 'utf8');
  if (bytes > EVENT_LIMITS.eventBytesMax) {
    return {
      ok: false,
      rejections: [
        { code: 'too_large', message: `event is ${bytes} bytes, more than ${EVENT_LIMITS.eventBytesMax}` },
      ],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      rejections: [{ code: 'not_json', message: `not JSON (${jsonErrorMessage(err)}): ${quote(text)}` }],
    };
  }
  return validateEvent(parsed, receivedAt);
}
