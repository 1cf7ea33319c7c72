import type { PromptRegistry } from '../ports/prompt-registry.ts';
import type { QueryRunner } from '../ports/query-runner.ts';
import { DEFAULT_DEPLOY_CHANGE_THRESHOLDS, type DeployChangeThresholds } from './deploy-change-settings.ts';
import { parseDay, utcDay } from './report-period.ts';

/** A prompt's traffic in one 24 h window around a deploy (every version of the prompt). */
export interface WindowMetrics {
  requests: number;
  /** (allocated + estimated) cost ÷ requests; null without requests. */
  cost_per_request: number | null;
  /** Share of requests with status `error`; null without requests. */
  error_rate: number | null;
  /** Share of requests with status `cancelled`; null without requests. */
  cancel_rate: number | null;
  /** Null when no request of the window has a latency. */
  p95_latency_ms: number | null;
}

/** What one deploy changed: the prompt in the 24 whole hours before vs after `deployed_at` ({@link deployWindows}). */
export interface DeployChange {
  prompt_id: string;
  prompt_version: string;
  /** ISO-8601, UTC (`Z`). */
  deployed_at: string;
  change_ref: string | null;
  before: WindowMetrics;
  after: WindowMetrics;
  /** The metrics that moved by more than the thresholds, in the order of {@link METRICS}. */
  flags: string[];
  /** The after window was not over at `now`: its numbers are still moving. */
  partial: boolean;
}

/** The thresholds, their defaults and their rules are defined in deploy-change-settings.ts. */
export type { DeployChangeThresholds } from './deploy-change-settings.ts';
export { DEFAULT_DEPLOY_CHANGE_THRESHOLDS } from './deploy-change-settings.ts';

export interface DeployChangesReport {
  from: string;
  to: string;
  thresholds: DeployChangeThresholds;
  changes: DeployChange[];
}

/** The compared metrics, in report order, and how each is compared. */
export const METRICS = [
  { name: 'requests', compare: 'relative' },
  { name: 'cost_per_request', compare: 'relative' },
  { name: 'error_rate', compare: 'rate_points' },
  { name: 'cancel_rate', compare: 'rate_points' },
  { name: 'p95_latency_ms', compare: 'relative' },
] as const satisfies readonly { name: keyof WindowMetrics; compare: keyof DeployChangeThresholds }[];

const HOUR_MS = 3_600_000;
const WINDOW_MS = 24 * HOUR_MS;
const DEFAULT_CONCURRENCY = 4;

/** `change > threshold`, ignoring floating-point noise (0.07 − 0.05 is 0.020000000000000004). */
function exceeds(change: number, threshold: number): boolean {
  return change - threshold > 1e-9 * Math.max(1, Math.abs(threshold));
}

/**
 * The metrics that moved from `before` to `after` by more than the thresholds (exactly at a threshold is not a
 * move), in the order of {@link METRICS}. Not comparable, so never flagged: a relative metric whose before is
 * null or 0 (a prompt without traffic or latencies before its deploy; after > 0 is then no measurable change),
 * and any metric null on either side (a window without requests: its rates and cost per request are null —
 * requests falling to 0 is flagged under `requests`), and every metric but `requests` when either window has
 * fewer than `min_requests` requests. Pure.
 */
export function flagChange(before: WindowMetrics, after: WindowMetrics, t: DeployChangeThresholds): string[] {
  const flags: string[] = [];
  const enough = before.requests >= t.min_requests && after.requests >= t.min_requests;
  for (const { name, compare } of METRICS) {
    const b = before[name];
    const a = after[name];
    if (a === null || b === null || (name !== 'requests' && !enough)) continue;
    if (compare === 'relative') {
      if (b === 0) continue;
      if (exceeds(Math.abs(a - b) / Math.abs(b), t.relative)) flags.push(name);
    } else if (exceeds(Math.abs(a - b), t.rate_points)) {
      flags.push(name);
    }
  }
  return flags;
}

/** Epoch ms of a UTC day `YYYY-MM-DD`. */
function dayStart(day: string, name: string): number {
  const ms = parseDay(day);
  if (ms === null) throw new Error(`${name}: expected a date YYYY-MM-DD, got ${JSON.stringify(day)}`);
  return ms;
}

/** An instant as the query takes it: UTC `YYYY-MM-DD HH:MM:SS.fff`, which CAST(? AS TIMESTAMP) reads in both engines. */
function sqlInstant(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function windowMetrics(row: Record<string, unknown> | undefined): WindowMetrics {
  return {
    requests: numberOrNull(row?.requests) ?? 0,
    cost_per_request: numberOrNull(row?.cost_per_request),
    error_rate: numberOrNull(row?.error_rate),
    cancel_rate: numberOrNull(row?.cancel_rate),
    p95_latency_ms: numberOrNull(row?.p95_latency_ms),
  };
}

/**
 * The two windows of a deploy at `deployedAt` (epoch ms), as runs of whole UTC hours [start, end): before, the 24
 * hours before the hour the deploy falls inside; after, the 24 from the first whole hour at or after it. A deploy
 * on the hour splits no hour; otherwise its hour, part old traffic and part new, belongs to neither window.
 */
export function deployWindows(deployedAt: number): { before: [number, number]; after: [number, number] } {
  const hourStart = Math.floor(deployedAt / HOUR_MS) * HOUR_MS;
  const afterStart = hourStart === deployedAt ? hourStart : hourStart + HOUR_MS;
  return { before: [hourStart - WINDOW_MS, hourStart], after: [afterStart, afterStart + WINDOW_MS] };
}

/** One window of a deploy, from queries/reports/deploy_change.sql (the hourly rollups). */
async function measureWindow(
  queries: QueryRunner,
  promptId: string,
  [start, end]: [number, number],
): Promise<WindowMetrics> {
  const bounds = [promptId, utcDay(start), utcDay(end - 1), sqlInstant(start), sqlInstant(end)];
  const [row] = await queries.run('reports/deploy_change.sql', [...bounds, ...bounds, ...bounds]);
  return windowMetrics(row);
}

/** Runs `task` over `items` with at most `limit` running at once; results in the order of `items`. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * For every version deployed in [from, to) (UTC days `YYYY-MM-DD`, `to` exclusive; `deployed_at` compared as
 * an instant, whatever its offset), the prompt's requests, cost per request, error and cancel rates and p95
 * latency in the 24 whole hours before vs after `deployed_at` ({@link deployWindows}) — all versions of the prompt,
 * since the question is what the deploy changed in production — flagged where a metric moved by more than the
 * thresholds (see {@link flagChange}). Two queries per deploy (Athena queries in AWS) over the hourly rollups,
 * `concurrency` (default 4) queries at a time. A change whose after window ends after `now` (default: the current
 * time) is `partial`. The rollups must be current (the report job rolls up the days it reads first).
 */
export async function deployChanges(
  queries: QueryRunner,
  registry: Pick<PromptRegistry, 'list'>,
  from: string,
  to: string,
  options: {
    thresholds?: Partial<DeployChangeThresholds>;
    now?: Date;
    concurrency?: number;
    /**
     * Take every deploy whose after window overlaps [from, to) — those of the last 24 h before `from` too — rather
     * than those deployed in [from, to). A daily report then shows a late deploy partial on its day and whole the
     * next day.
     */
    overlapping?: boolean;
  } = {},
): Promise<DeployChangesReport> {
  const fromMs = dayStart(from, 'from');
  const toMs = dayStart(to, 'to');
  const thresholds: DeployChangeThresholds = {
    relative: options.thresholds?.relative ?? DEFAULT_DEPLOY_CHANGE_THRESHOLDS.relative,
    rate_points: options.thresholds?.rate_points ?? DEFAULT_DEPLOY_CHANGE_THRESHOLDS.rate_points,
    min_requests: options.thresholds?.min_requests ?? DEFAULT_DEPLOY_CHANGE_THRESHOLDS.min_requests,
  };
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency: expected a whole number of at least 1, got ${concurrency}`);
  const now = (options.now ?? new Date()).getTime();
  const afterEnd = (at: number) => deployWindows(at).after[1];
  const partial = (at: number) => afterEnd(at) > now;
  const deployed = (await registry.list())
    .map((record) => ({ record, at: Date.parse(record.deployed_at) }))
    .filter(({ at }) => (options.overlapping ? afterEnd(at) > fromMs : at >= fromMs) && at < toMs)
    .sort(
      (a, b) =>
        a.at - b.at ||
        compareText(a.record.prompt_id, b.record.prompt_id) ||
        compareText(a.record.version, b.record.version),
    );
  // Each deploy's two windows are a query each; at most `concurrency` run at once.
  const windows = deployed.flatMap(({ record, at }) => {
    const w = deployWindows(at);
    return [
      { promptId: record.prompt_id, hours: w.before },
      { promptId: record.prompt_id, hours: w.after },
    ];
  });
  const measured = await mapLimited(windows, concurrency, (w) => measureWindow(queries, w.promptId, w.hours));
  const changes = deployed.map(({ record, at }, i): DeployChange => {
    const [before, after] = [measured[2 * i] as WindowMetrics, measured[2 * i + 1] as WindowMetrics];
    return {
      prompt_id: record.prompt_id,
      prompt_version: record.version,
      deployed_at: new Date(at).toISOString(),
      change_ref: record.change_ref ?? null,
      before,
      after,
      // While the after window is not over, requests (a count) is bound to look lower: compare the rates only.
      flags: flagChange(before, after, thresholds).filter((f) => !(partial(at) && f === 'requests')),
      partial: partial(at),
    };
  });
  return { from, to, thresholds, changes };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
