import { createHash, randomBytes } from 'node:crypto';
import { writeParquet } from '../core/lake/parquet-file.ts';
import { ROLLUP_FORMAT, ROLLUP_TABLES, type RollupTable } from '../core/rollups/rollup-columns.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import { engineInstant, type QueryRunner } from '../ports/query-runner.ts';
import { nextDay, parseDay } from '../reports/report-period.ts';

/**
 * The rollup job (docs/rollups.md): rolls up each day of events that has no rollup yet, or whose rollup is stale —
 * the day received events since (its event objects changed), or the price book's dimensions the rollup groups by
 * (long-context thresholds, model aliases, billed tools) changed, or it was written in an earlier format. Rolling days writes a new roll of every rollup
 * table and the roll's row in rollup_rolls, then removes the days' older rolls: a reader sees a day's old roll or
 * its new one (rolled_days picks the latest), never a mix, and never the sum of both.
 */

const PARQUET = 'application/vnd.apache.parquet';
const ROLLS = ROLLUP_TABLES.find((t) => t.query === null) as RollupTable;
const DATA_TABLES = ROLLUP_TABLES.filter((t) => t.query !== null);

/** A day to roll, and the id of its new roll. */
export interface DayRoll {
  readonly day: string;
  readonly rollId: string;
}

export interface RollupDependencies {
  /** Where the events are listed and the rolls written and removed. */
  readonly lake: LakeStore;
  /** The engine (DuckDB locally, Athena in AWS) over the lake, for the state query. */
  readonly queries: QueryRunner;
  /**
   * Writes one table's rows of each day under `<folder>/dt=<day>/<rollId>…` and says how many rows each day got.
   * {@link queryDayWriter} runs the table's query and writes the rows as Parquet objects.
   */
  readonly writeDays: (table: RollupTable, days: readonly DayRoll[]) => Promise<Map<string, number>>;
  readonly now: () => Date;
}

export interface RollupOptions {
  /**
   * The days to consider (`YYYY-MM-DD`); default: every day with events, today's (and a day ahead, which a
   * client's clock may give) included: a day not over yet is rolled as it is, and again once it has more events.
   * A day without events and without a roll is skipped: there is nothing to roll.
   */
  readonly days?: readonly string[];
  /** Roll these days even when their rollup is current. */
  readonly force?: boolean;
}

export type RollReason = 'new' | 'late events' | 'dimensions changed' | 'forced';

export interface RollupResult {
  /** Days rolled, each with why and the usage rows written. */
  readonly rolled: readonly { day: string; reason: RollReason; usageRows: number; rollId: string }[];
  /** Days whose rollup was current. */
  readonly current: readonly string[];
}

export async function rollUp(deps: RollupDependencies, options: RollupOptions = {}): Promise<RollupResult> {
  for (const day of options.days ?? []) {
    if (parseDay(day) === null) throw new Error(`rollup: day ${JSON.stringify(day)} is not YYYY-MM-DD`);
  }
  const eventKeys = await eventKeysByDay(deps.lake, options.days);
  const days = [...new Set(options.days ?? eventKeys.keys())].sort();
  const current: string[] = [];
  if (days.length === 0) return { rolled: [], current };

  const state = await deps.queries.run('rollups/state.sql', [
    days[0] as string,
    nextDay(days[days.length - 1] as string),
  ]);
  const rolls = new Map(state.filter((r) => r.kind === 'roll').map((r) => [String(r.dt), r]));
  // The rollups' format counts as a dimension: a roll of an earlier format is stale.
  const dimensions = fingerprint([
    `rollup format ${ROLLUP_FORMAT}`,
    ...state
      .filter((r) => r.kind === 'dimension')
      .map((r) => JSON.stringify([r.provider, r.model, r.value, r.valid_from, r.valid_to])),
  ]);

  const toRoll: (DayRoll & { reason: RollReason; events: string; objects: number })[] = [];
  for (const day of days) {
    const keys = eventKeys.get(day) ?? [];
    const events = fingerprint(keys);
    const roll = rolls.get(day);
    if (!roll && keys.length === 0) continue;
    const reason: RollReason | null = options.force
      ? 'forced'
      : !roll
        ? 'new'
        : roll.events_fingerprint !== events
          ? 'late events'
          : roll.dimensions_fingerprint !== dimensions
            ? 'dimensions changed'
            : null;
    if (reason) {
      const rollId = newRollId(deps.now(), roll ? String(roll.roll_id) : undefined);
      toRoll.push({ day, rollId, reason, events, objects: keys.length });
    } else current.push(day);
  }
  if (toRoll.length === 0) return { rolled: [], current };

  const usageRows = new Map<string, number>();
  for (const table of DATA_TABLES) {
    const written = await deps.writeDays(table, toRoll);
    if (table.table === 'rollup_usage') for (const [day, n] of written) usageRows.set(day, n);
  }
  // Each day's roll row makes its new roll the current one; then the day's older rolls can go.
  for (const r of toRoll) {
    const row = {
      roll_id: r.rollId,
      rolled_at: deps.now(),
      events_fingerprint: r.events,
      event_objects: r.objects,
      dimensions_fingerprint: dimensions,
      usage_rows: usageRows.get(r.day) ?? 0,
    };
    await deps.lake.put(rollKey(ROLLS, r.day, r.rollId), writeParquet(ROLLS.columns, [row]), PARQUET);
  }
  // Only rolls older than this one go: a run that overlaps this one (a report job's refresh beside the scheduled
  // job) may have written a newer roll of the day, which stays current; an older roll left behind by such a race is
  // never current (rolled_days takes the latest) and goes with the day's next roll.
  for (const r of toRoll) {
    for (const table of ROLLUP_TABLES) {
      const stale = (await deps.lake.list(`${table.folder}/dt=${r.day}/`)).filter(
        (k) => rollIdOf(k) < r.rollId,
      );
      if (stale.length > 0) await deps.lake.remove(stale);
    }
  }
  return {
    rolled: toRoll.map((r) => ({
      day: r.day,
      reason: r.reason,
      usageRows: usageRows.get(r.day) ?? 0,
      rollId: r.rollId,
    })),
    current,
  };
}

/** The roll id of a roll's object key (its file name, {@link rollKey}). */
function rollIdOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).split('.')[0] ?? '';
}

/** Where a roll of `day` stores `table`'s rows (one object). */
export function rollKey(table: RollupTable, day: string, rollId: string): string {
  return `${table.folder}/dt=${day}/${rollId}.parquet`;
}

/**
 * `writeDays` through the engine: the table's query over the days' range (one query per table, on DuckDB or
 * Athena), each rolled day's rows written as one Parquet object of the table's columns (roll_id added); the rows
 * of days in between that are not rolled are dropped.
 */
export function queryDayWriter(lake: LakeStore, queries: QueryRunner): RollupDependencies['writeDays'] {
  return async (table, days) => {
    const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    const counts = new Map<string, number>(sorted.map((d) => [d.day, 0]));
    if (!first || !last) return counts;
    const rows = await queries.run(table.query as string, [first.day, nextDay(last.day)]);
    const byDay = new Map<string, Record<string, unknown>[]>();
    for (const row of rows) {
      const day = String(row.dt);
      if (!counts.has(day)) continue;
      const list = byDay.get(day) ?? [];
      list.push(row);
      byDay.set(day, list);
    }
    for (const { day, rollId } of sorted) {
      const dayRows = byDay.get(day) ?? [];
      counts.set(day, dayRows.length);
      if (dayRows.length === 0) continue;
      const body = writeParquet(
        table.columns,
        dayRows.map((r): Record<string, unknown> => ({ ...r, roll_id: rollId })),
        { cellOf: (row, column) => cell(row[column.name], column.parquet) },
      );
      await lake.put(rollKey(table, day, rollId), body, PARQUET);
    }
    return counts;
  };
}

/**
 * A query's value as the Parquet writer takes it: timestamps as Dates (DuckDB gives `2026-11-02 13:00:00`, Athena
 * `2026-11-02 13:00:00.000`, both UTC), integers as numbers (Athena gives them as text).
 */
function cell(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMP') return value instanceof Date ? value : new Date(engineInstant(value));
  if (type === 'INT64' || type === 'INT32' || type === 'DOUBLE') return Number(value);
  return value;
}

/** The event object keys of each day (`events/dt=<day>/…`), of `days` only when given. */
async function eventKeysByDay(lake: LakeStore, days?: readonly string[]): Promise<Map<string, string[]>> {
  const lists = days
    ? await Promise.all(days.map((d) => lake.list(`events/dt=${d}/`)))
    : [await lake.list('events/')];
  const byDay = new Map<string, string[]>();
  for (const key of lists.flat()) {
    const day = /^events\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
    if (!day) continue;
    const keys = byDay.get(day) ?? [];
    keys.push(key);
    byDay.set(day, keys);
  }
  return byDay;
}

function fingerprint(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of [...lines].sort()) hash.update(line).update('\n');
  return hash.digest('hex');
}

/**
 * `20261204T211500123Z-<8 hex>`: sorts by time, and after the day's previous roll even when the clock has not moved
 * on (or went back), so the latest roll is always the current one.
 */
function newRollId(now: Date, previous?: string): string {
  let at = now.getTime();
  const before = previous ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(previous) : null;
  if (before) {
    const [y, mo, d, h, mi, s, ms] = before.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const last = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (at <= last) at = last + 1;
  }
  return `${new Date(at).toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}
