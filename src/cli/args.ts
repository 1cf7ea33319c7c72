import { existsSync, statSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every command takes `--lake DIR`. */
export const LAKE_OPTION = { lake: { type: 'string', default: './.tokenledger' } } as const satisfies Options;

/** `util.parseArgs` in strict mode, with its errors turned into usage errors that quote the bad value. */
export function parseCommand<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${message}`);
  }
}

/** Checks that an option's value is one of the allowed ones. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

/** Checks a positive whole number option. */
export function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${option} ${JSON.stringify(value)} is not a positive whole number`);
  }
  return n;
}

/** Checks `--lake`: a folder, or (unless it must exist) a path where one can be made. */
export function lakeDir(value: string, mustExist = false): string {
  if (!existsSync(value)) {
    if (mustExist) throw new UsageError(`--lake ${JSON.stringify(value)} does not exist`);
    return value;
  }
  if (!statSync(value).isDirectory()) throw new UsageError(`--lake ${JSON.stringify(value)} is not a folder`);
  return value;
}
