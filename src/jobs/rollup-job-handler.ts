import type { Logger } from '@aws-lambda-powertools/logger';
import { requiredEnv } from '../config/required-env.ts';
import { parseDay } from '../reports/report-period.ts';
import { type RollReason, type RollupDependencies, type RollupResult, rollUp } from './rollup-job.ts';
import {
  DEFAULT_LOOKBACK_DAYS,
  lookbackWindow,
  MAX_LOOKBACK_DAYS,
  MIN_LOOKBACK_DAYS,
} from './rollup-lookback.ts';

/** The settings of the rollup job, from its function's environment (set by the CDK stack). */
export interface RollupJobConfig {
  workGroup: string;
  database: string;
  lakeBucket: string;
  /** How many days, ending yesterday (UTC), a scheduled run considers. */
  lookbackDays: number;
}

/** Reads and checks the environment at start-up; throws naming the variable and value that are wrong. */
export function rollupJobConfig(env: NodeJS.ProcessEnv = process.env): RollupJobConfig {
  const raw = env.ROLLUP_LOOKBACK_DAYS;
  const text = raw?.trim() ?? '';
  const lookbackDays = text === '' ? DEFAULT_LOOKBACK_DAYS : Number(text);
  if (
    !/^\d*$/.test(text) ||
    !Number.isInteger(lookbackDays) ||
    lookbackDays < MIN_LOOKBACK_DAYS ||
    lookbackDays > MAX_LOOKBACK_DAYS
  ) {
    throw new Error(
      `environment variable ROLLUP_LOOKBACK_DAYS=${JSON.stringify(raw)} must be a whole number from ${MIN_LOOKBACK_DAYS} to ${MAX_LOOKBACK_DAYS}`,
    );
  }
  return {
    workGroup: requiredEnv('ATHENA_WORKGROUP', env),
    database: requiredEnv('GLUE_DATABASE', env),
    lakeBucket: requiredEnv('LAKE_BUCKET', env),
    lookbackDays,
  };
}

/**
 * What the scheduler sends: `scheduledTime` (the schedule's `<aws.scheduler.scheduled-time>`, so a retry or a
 * replay from the dead-letter queue considers the same window as the first attempt). A manual re-roll gives
 * `days` (each `YYYY-MM-DD`) and/or `force` (roll even days whose rollup is current).
 */
export interface RollupJobEvent {
  scheduledTime?: string;
  days?: string[];
  force?: boolean;
}

const EVENT_FIELDS = ['scheduledTime', 'days', 'force'] as const;

/** The event checked: an error names the field and quotes the value. */
export function parseRollupJobEvent(event: unknown): RollupJobEvent {
  if (event === null || event === undefined) return {};
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new Error(
      `the event must be an object such as {"days":["YYYY-MM-DD"]}, got ${JSON.stringify(event)}`,
    );
  }
  const fields = event as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !(EVENT_FIELDS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    throw new Error(`event field "${unknown}" is not one of ${EVENT_FIELDS.join(', ')}`);
  }
  const parsed: RollupJobEvent = {};
  const { scheduledTime, days, force } = fields;
  if (scheduledTime !== undefined) {
    if (typeof scheduledTime !== 'string' || Number.isNaN(Date.parse(scheduledTime))) {
      throw new Error(`event field "scheduledTime" is not a timestamp: ${JSON.stringify(scheduledTime)}`);
    }
    parsed.scheduledTime = scheduledTime;
  }
  if (days !== undefined) {
    if (!Array.isArray(days) || days.length === 0) {
      throw new Error(
        `event field "days" must be a non-empty list of days (YYYY-MM-DD), got ${JSON.stringify(days)}`,
      );
    }
    if (days.length > MAX_LOOKBACK_DAYS) {
      throw new Error(`event field "days" lists ${days.length} days; at most ${MAX_LOOKBACK_DAYS} per run`);
    }
    for (const day of days) {
      if (typeof day !== 'string' || parseDay(day) === null) {
        throw new Error(`event field "days" has ${JSON.stringify(day)}, which is not a day (YYYY-MM-DD)`);
      }
    }
    parsed.days = [...new Set(days as string[])].sort();
  }
  if (force !== undefined) {
    if (typeof force !== 'boolean') {
      throw new Error(`event field "force" must be true or false, got ${JSON.stringify(force)}`);
    }
    parsed.force = force;
  }
  return parsed;
}

/** What a run did, logged and returned. */
export interface RollupJobSummary {
  /** The days considered: the lookback window, or the event's days. */
  days: string[];
  force: boolean;
  /** Days rolled, each with why, the usage rows written and the new roll's id. */
  rolled: { day: string; reason: RollReason; usageRows: number; rollId: string }[];
  /** Days whose rollup was current. */
  current: string[];
  /** Days with no events and no roll: nothing to roll. */
  skipped: string[];
}

/**
 * The scheduled rollup job's handler: the days of the lookback window ending yesterday (UTC) before the
 * scheduled time — or the event's `days` — handed to rollUp, which rolls those that have no roll or a stale one
 * (late events, dimensions changed), or all of them with `force`. Any failure rejects: the scheduler invokes
 * asynchronously, so Lambda retries the invocation, and when retries run out the event goes to the job's
 * dead-letter queue (and the alarm on it). A retry is harmless: a day rolled by the failed attempt is current.
 */
export function createRollupJobHandler(
  deps: RollupDependencies,
  lookbackDays: number,
  logger: Pick<Logger, 'info'>,
) {
  return async (event: unknown): Promise<RollupJobSummary> => {
    const requested = parseRollupJobEvent(event);
    const now = requested.scheduledTime ? new Date(requested.scheduledTime) : deps.now();
    const days = requested.days ?? lookbackWindow(now, lookbackDays);
    const force = requested.force ?? false;
    const result: RollupResult = await rollUp(deps, { days, force });
    const done = new Set([...result.rolled.map((r) => r.day), ...result.current]);
    const summary: RollupJobSummary = {
      days,
      force,
      rolled: result.rolled.map(({ day, reason, usageRows, rollId }) => ({ day, reason, usageRows, rollId })),
      current: [...result.current],
      skipped: days.filter((d) => !done.has(d)),
    };
    logger.info('rollup job done', {
      from: days[0],
      to: days.at(-1),
      force,
      rolled: summary.rolled,
      current: summary.current,
      skipped: summary.skipped,
    });
    return summary;
  };
}
