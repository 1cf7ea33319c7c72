/**
 * Why an event was refused: machine-readable (`code` + `field`) and readable (`message`).
 * The `key` (`field:code`, or `code` alone) is what reports count by.
 */
export interface Rejection {
  code: RejectionCode;
  /** The top-level field the rule is about; absent for rules about the whole record. */
  field?: string;
  message: string;
}

export type RejectionCode =
  | 'not_json'
  | 'not_otlp'
  | 'not_object'
  | 'too_large'
  | 'missing'
  | 'wrong_type'
  | 'bad_format'
  | 'too_short'
  | 'too_long'
  | 'out_of_range'
  | 'not_allowed'
  | 'too_many'
  | 'ts_future'
  | 'ts_too_old'
  | 'invariant';

export function rejectionKey(r: Rejection): string {
  return r.field ? `${r.field}:${r.code}` : r.code;
}

/**
 * Quote a value for an error message, short enough for a log line. Never throws: a value nested too deep for
 * `JSON.stringify` (or `String`) — 10,000 arrays in a 20 KB event — is shown by its first 80 characters, built
 * without recursing further than that.
 */
export function quote(value: unknown): string {
  if (value === undefined) return 'undefined';
  // JSON.stringify writes a non-finite number as null; JSON.parse makes one of a literal too large for a double.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : `${value} (a number too large for a double)`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = preview(value, 81);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The start of a value's JSON, at most about `budget` characters: each level spends one, so depth is bounded. */
function preview(value: unknown, budget = 80): string {
  if (budget <= 0) return '';
  if (Array.isArray(value)) {
    let out = '[';
    for (const item of value) {
      if (out.length >= budget) break;
      out += (out.length > 1 ? ',' : '') + preview(item, budget - out.length);
    }
    return out.length >= budget ? out : `${out}]`;
  }
  if (typeof value === 'object' && value !== null) {
    let out = '{';
    for (const [key, item] of Object.entries(value)) {
      if (out.length >= budget) break;
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${preview(item, budget - out.length - key.length - 3)}`;
    }
    return out.length >= budget ? out : `${out}}`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}
