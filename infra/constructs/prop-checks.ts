import { type Duration, Token, ValidationError } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Constructor-time prop checks shared by the constructs. Each throws a CDK `ValidationError` scoped to the
 * construct whose prop is wrong (`scope`), with the construct, the prop and the bad value in the message.
 * Unresolved tokens (values only known at deploy time) are not checked.
 */

/**
 * The code CDK records for a ValidationError (its `name`, shown as `«ValidationError»` and written to the CLI's
 * error file for its telemetry): one generic code for all of tokenledger's checks, not one per check.
 */
const VALIDATION_ERROR = 'ValidationError' as ConstructorParameters<typeof ValidationError>[0];

/**
 * A prop or setting error as aws-cdk-lib's own constructs throw it (`throw new ValidationError(code, message,
 * this)`): `Errors.isValidationError(e)` holds, `e.constructPath` is the path of `scope`, and the stack trace
 * CDK prints ends with the construct tree down to `scope` ("Relates to construct: …"). The message is kept as
 * given. ValidationError is exported by aws-cdk-lib but tagged `@internal` (its constructor changed in 2.x,
 * from `(message, scope)` to `(code, message, scope)`): it is used here only, and test/infra/props.test.ts
 * fails if an upgrade changes it.
 */
export function validationError(scope: IConstruct, message: string): ValidationError {
  return new ValidationError(VALIDATION_ERROR, message, scope);
}

/** Runs `check`, rethrowing a plain Error it throws (a shared parser's) as a ValidationError of `scope`. */
export function scopedCheck<T>(scope: IConstruct, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof Error && !(err instanceof ValidationError)) throw validationError(scope, err.message);
    throw err;
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(
  scope: IConstruct,
  owner: string,
  prop: string,
  value: number,
  min: number,
  max: number,
): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(scope, `${owner}: ${prop} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Throws unless `value` lies in [min, max] (compared in seconds). */
export function checkDuration(
  scope: IConstruct,
  owner: string,
  prop: string,
  value: Duration,
  min: Duration,
  max: Duration,
): void {
  if (value.isUnresolved()) return;
  const seconds = value.toSeconds();
  if (seconds < min.toSeconds() || seconds > max.toSeconds()) {
    throw validationError(
      scope,
      `${owner}: ${prop} must be from ${min.toHumanString()} to ${max.toHumanString()}, got ${value.toHumanString()}`,
    );
  }
}

/** Throws unless `value` matches `pattern` (described by `rule` in the message). */
export function checkPattern(
  scope: IConstruct,
  owner: string,
  prop: string,
  value: string,
  pattern: RegExp,
  rule: string,
): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) {
    throw validationError(scope, `${owner}: ${prop} must be ${rule}, got '${value}'`);
  }
}
