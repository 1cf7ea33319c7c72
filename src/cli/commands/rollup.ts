import { rollUpLocalLake } from '../../jobs/local-rollup.ts';
import { parseDay } from '../../reports/report-period.ts';
import { LAKE_OPTION, lakeDir, parseCommand } from '../args.ts';
import { UsageError } from '../errors.ts';
import type { Io } from '../io.ts';

/**
 * `tokenledger rollup [--day D]… [--force]`: rolls up every day of events (today's as it is so far) that has no
 * rollup or a stale one (events arrived since, or the price book's thresholds, aliases or billed tools changed);
 * `--day` only those days; `--force` rolls them even when current.
 */
export async function rollupCommand(argv: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parseCommand('rollup', argv, {
    ...LAKE_OPTION,
    day: { type: 'string', multiple: true },
    force: { type: 'boolean', default: false },
  });
  if (positionals.length > 0) {
    throw new UsageError(`rollup takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const days = values.day;
  for (const day of days ?? []) {
    if (parseDay(day) === null) throw new UsageError(`--day ${JSON.stringify(day)} is not a date YYYY-MM-DD`);
  }
  const result = await rollUpLocalLake(lakeDir(values.lake, true), {
    ...(days ? { days } : {}),
    force: values.force,
  });
  for (const r of result.rolled) out.write(`rolled ${r.day} (${r.reason}): ${r.usageRows} usage rows\n`);
  out.write(
    `${result.rolled.length} ${result.rolled.length === 1 ? 'day' : 'days'} rolled up, ${result.current.length} already current\n`,
  );
  return 0;
}
