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

/** Quote a value for an error message, short enough for a log line. */
export function quote(value: unknown): string {
  let text: string;
  if (value === undefined) return 'undefined';
  // JSON.stringify writes a non-finite number as null; JSON.parse makes one of a literal too large for a double.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : `${value} (a number too large for a double)`;
  }
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
