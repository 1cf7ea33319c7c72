import { type Duration, Token } from 'aws-cdk-lib';

/**
 * Constructor-time prop checks shared by the constructs. Each throws with the construct, the prop and the
 * bad value in the message. Unresolved tokens (values only known at deploy time) are not checked.
 */

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(owner: string, prop: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${owner}: ${prop} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Throws unless `value` lies in [min, max] (compared in seconds). */
export function checkDuration(
  owner: string,
  prop: string,
  value: Duration,
  min: Duration,
  max: Duration,
): void {
  if (value.isUnresolved()) return;
  const seconds = value.toSeconds();
  if (seconds < min.toSeconds() || seconds > max.toSeconds()) {
    throw new Error(
      `${owner}: ${prop} must be from ${min.toHumanString()} to ${max.toHumanString()}, got ${value.toHumanString()}`,
    );
  }
}

/** Throws unless `value` matches `pattern` (described by `rule` in the message). */
export function checkPattern(
  owner: string,
  prop: string,
  value: string,
  pattern: RegExp,
  rule: string,
): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) {
    throw new Error(`${owner}: ${prop} must be ${rule}, got '${value}'`);
  }
}
