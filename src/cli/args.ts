import { existsSync, statSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { quote } from '@tokenledger/client/contract';
import { UsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every command takes `--lake DIR`. */
export const LAKE_OPTION = { lake: { type: 'string', default: './.tokenledger' } } as const satisfies Options;

/** `util.parseArgs` in strict mode, with its errors turned into usage errors that quote the bad value. */
export function parseCommand<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message;
    // An option whose value starts with a dash: parseArgs explains it over three lines, without the value.
    const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const option = ambiguous[1] as string;
      const at = argv.findIndex((a, i) => a === option && argv[i + 1]?.startsWith('-'));
      const value = argv[at + 1] ?? '';
      const long = option.startsWith('--') ? option : `--${longName(options, option.slice(1))}`;
      throw new UsageError(
        `${command}: option '${option}' needs a value, got ${quote(value)} (if that is its value, write ${long}=${value})`,
      );
    }
    throw new UsageError(
      `${command}: ${message.replace(/\. To specify a positional argument.*$/s, '').split('\n')[0]}`,
    );
  }
}

/** The long name of a short option (`-e` → `events`). */
function longName(options: Options, short: string): string {
  return Object.entries(options).find(([, o]) => o.short === short)?.[0] ?? short;
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
