import { readFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageSplit } from '../packages/client/src/contract/usage.ts';
import { UserHasher } from '../packages/client/src/contract/user-hash.ts';
import { uuidv7 } from '../packages/client/src/contract/uuidv7.ts';
import { validateEvent } from '../packages/client/src/contract/validate.ts';
import { toWireEvent } from '../packages/client/src/wire-event.ts';
import { LocalQueryEngine } from '../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../src/adapters/duckdb/local-query-runner.ts';
import { defaultPriceBook } from '../src/adapters/local/default-price-book.ts';
import { FsLakeStore } from '../src/adapters/local/fs-lake-store.ts';
import { COST_COLUMNS } from '../src/core/costs/cost-columns.ts';
import type { CostLine } from '../src/core/costs/cost-line.ts';
import type { EventRow } from '../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../src/core/lake/events-parquet.ts';
import { demoDeployRecords } from '../src/demo/prompt-deploys.ts';
import { DEMO_HMAC_KEY, generateTraffic } from '../src/demo/traffic.ts';
import { importRows } from '../src/jobs/import-table.ts';
import { rollUpLocalLake } from '../src/jobs/local-rollup.ts';
import { QUERIES_DIR } from '../src/queries/query-files.ts';
import { deployChanges } from '../src/reports/deploy-changes.ts';
import { governanceReport } from '../src/reports/governance-report.ts';
import { type BenchResult, medianMsAsync, result } from './measure.ts';

const FILE_ROWS = 50_000; // about what one Lambda batch writes

/**
 * A month of `events` requests in a folder lake, written the way the consumer writes them (Parquet files of a
 * Lambda batch each, per day), with invoice lines for every day, model and usage type at 1.04 × list price.
 * One day of demo traffic is generated and repeated over the month with new ids and times, which keeps the
 * generation affordable at 10 million events.
 */
async function buildLake(dir: string, events: number): Promise<{ files: number }> {
  const days = 31;
  const perDay = Math.ceil(events / days);
  // One day's worth of requests (the generator spreads them over the month; only their time of day is kept).
  const traffic = generateTraffic({
    month: '2026-10',
    requests: perDay,
    duplicateShare: 0,
    malformedShare: 0,
  });
  const dayOne = traffic.items.filter((i) => i.kind === 'call');
  const store = new FsLakeStore(dir);
  const hasher = new UserHasher(DEMO_HMAC_KEY);
  const prices = new Map(
    defaultPriceBook().map((p) => [`${p.provider}/${p.model}/${p.usage_type}`, p.usd_per_million_tokens]),
  );
  const tokens = new Map<string, number>();
  let files = 0;
  let written = 0;
  for (let day = 0; day < days && written < events; day++) {
    const dayStart = Date.UTC(2026, 9, 1 + day);
    let rows: EventRow[] = [];
    for (const item of dayOne) {
      if (written >= events || item.kind !== 'call') break;
      const ts = dayStart + ((item.input.startedAt as number) % 86_400_000);
      const wire = toWireEvent(
        { input: { ...item.input, startedAt: ts, eventId: uuidv7(ts) }, at: ts },
        hasher,
      );
      const v = validateEvent(wire, ts + 1000);
      if (!v.ok) throw new Error(v.rejections[0]?.message);
      rows.push(v.event);
      written++;
      const split = usageSplit(v.event);
      for (const [usage, n] of Object.entries(split)) {
        const key = `${day}/${v.event.provider}/${v.event.model}/${usage}`;
        tokens.set(key, (tokens.get(key) ?? 0) + n);
      }
      if (rows.length === FILE_ROWS) {
        await store.putNew(
          `events/dt=${new Date(dayStart).toISOString().slice(0, 10)}/bench/s/${files++}.parquet`,
          eventsToParquet(rows),
          '',
        );
        rows = [];
      }
    }
    if (rows.length > 0) {
      await store.putNew(
        `events/dt=${new Date(dayStart).toISOString().slice(0, 10)}/bench/s/${files++}.parquet`,
        eventsToParquet(rows),
        '',
      );
    }
  }
  const lines: (CostLine & { ingested_at: number })[] = [];
  for (const [key, n] of tokens) {
    const [day, provider, model, usage] = key.split('/') as [string, string, string, CostLine['usage_type']];
    const price = prices.get(`${provider}/${model}/${usage}`);
    if (price === undefined || n === 0) continue;
    const start = Date.UTC(2026, 9, 1 + Number(day));
    lines.push({
      provider,
      billing_account_id: 'bench',
      invoice_id: null,
      charge_period_start: start,
      charge_period_end: start + 86_400_000,
      model,
      usage_type: usage,
      service_tier: 'standard',
      context_tier: 'standard',
      consumed_quantity: null,
      billed_cost: (n / 1e6) * price * 1.04,
      list_cost: null,
      currency: 'USD',
      sku: `${model}, ${usage}`,
      source_format: 'focus',
      source_file: 'bench',
      ingested_at: 0,
    });
  }
  await importRows(store, 'costs/focus', JSON.stringify(lines.length), COST_COLUMNS, lines);
  return { files };
}

/** Bytes this process has read from files so far (Linux `rchar`: every read, from disk or from the page cache). */
function bytesRead(): number {
  const io = readFileSync('/proc/self/io', 'utf8');
  return Number(/rchar:\s*(\d+)/.exec(io)?.[1] ?? Number.NaN);
}

/** Bytes of every file under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Milliseconds one run of `fn` takes. */
async function onceMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const MONTH = '2026-10';
const FROM = '2026-10-01';
const TO = '2026-11-01';

/**
 * The margin and governance reports over a month of `events`: the rollup job first (as `tokenledger report`
 * runs it), then the reports' queries, each against one pass over the month's raw events in the same run.
 */
export async function marginBenchmarks(events: number): Promise<{ results: BenchResult[]; notes: string[] }> {
  const dir = join(tmpdir(), `tokenledger-margin-bench-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const { files } = await buildLake(dir, events);
  const buildS = (performance.now() - t0) / 1000;
  const engine = await LocalQueryEngine.open(dir);
  try {
    const queries = new LocalQueryRunner(engine);
    const days = [FROM, TO];
    const margin = readFileSync(join(QUERIES_DIR, 'reports/margin.sql'), 'utf8');
    const totals = readFileSync(join(QUERIES_DIR, 'reports/margin_totals.sql'), 'utf8');
    const marginParams = [...days, ...days, ...days, ...days, MONTH];
    const totalsParams = [...days, ...days, ...days, MONTH];
    const [count] = await engine.run('SELECT count(*) AS n FROM events');
    const n = Number(count?.n);
    const perMillion = n / 1e6;

    // Baseline: one pass over the same month's raw events that sums the tokens per cohort and feature.
    const plain =
      'SELECT cohort, feature, count(*) AS n, sum(input_tokens) AS i, sum(output_tokens) AS o FROM events WHERE dt >= ? AND dt < ? GROUP BY 1, 2';
    const plainMs = await medianMsAsync(3, async () => {
      await engine.run(plain, days);
    });

    // The rollup job over the whole month, as the first report of a month runs it.
    const rollupMs = await onceMs(() => rollUpLocalLake(engine));
    const [rollRows] = await engine.run(
      'SELECT count(*) AS rows, count(DISTINCT dt) AS days FROM rollup_usage',
    );
    const usageRows = Number(rollRows?.rows);
    const rolledDays = Number(rollRows?.days);
    const rollupBytes = await folderBytes(join(dir, 'rollups'));

    // The margin report's two queries, after the rollup: bytes read from files in one run, time as a median.
    const read0 = bytesRead();
    const rows = await engine.run(margin, marginParams);
    await engine.run(totals, totalsParams);
    const scanned = bytesRead() - read0;
    const marginMs = await medianMsAsync(3, async () => {
      await engine.run(margin, marginParams);
      await engine.run(totals, totalsParams);
    });

    // The governance report as build-report.ts runs it: the served prompt versions and every deploy's windows.
    const records = demoDeployRecords(MONTH);
    const registry = { list: async () => records };
    let findings = 0;
    let promptGroups = 0;
    let changes = 0;
    const governanceMs = await onceMs(async () => {
      const [report, deploys] = await Promise.all([
        governanceReport(queries, registry, FROM, TO),
        deployChanges(queries, registry, FROM, TO, { now: new Date(TO), overlapping: true }),
      ]);
      findings = report.findings.length;
      changes = deploys.changes.length;
    });
    const promptRowsMs = await onceMs(async () => {
      promptGroups = (await queries.run('reports/prompt_groups.sql', days)).length;
    });

    const meta = await engine.run(
      `SELECT path_in_schema AS col, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata('${dir}/events/**/*.parquet') GROUP BY 1`,
    );
    const whole = meta.reduce((s, m) => s + Number(m.bytes), 0);
    const events = `${n.toLocaleString('en-US')} events`;
    return {
      results: [
        result(
          'rollup.job_s',
          rollupMs / 1000,
          `s to roll ${rolledDays} days of ${events}`,
          'one pass summing tokens per cohort and feature',
          plainMs / 1000,
        ),
        result(
          'rollup.s_per_day',
          rollupMs / 1000 / rolledDays,
          `s per day of ${Math.round(n / rolledDays).toLocaleString('en-US')} events`,
          'one pass, per day',
          plainMs / 1000 / rolledDays,
        ),
        result(
          'rollup.s_per_million_events',
          rollupMs / 1000 / perMillion,
          's per million events',
          'one pass, per million events',
          plainMs / 1000 / perMillion,
        ),
        result(
          'rollup.bytes_per_event',
          rollupBytes / n,
          'bytes/event (rollups/)',
          'whole events row',
          whole / n,
        ),
        result('rollup.usage_rows', usageRows, 'rows of rollup_usage', 'events', n),
        result(
          'margin.bytes_scanned_per_event',
          scanned / n,
          'bytes/event',
          'whole events row (one scan)',
          whole / n,
        ),
        result(
          'margin.query_s',
          marginMs / 1000,
          `s for ${events}`,
          'one pass summing tokens per cohort and feature',
          plainMs / 1000,
        ),
        result(
          'governance.query_s',
          governanceMs / 1000,
          `s for ${events}`,
          'one pass summing tokens per cohort and feature',
          plainMs / 1000,
        ),
      ],
      notes: [
        `margin: ${events} in ${files} Parquet files (built in ${buildS.toFixed(0)} s), ${rows.length} report rows; bytes scanned = bytes DuckDB read from files during margin.sql + margin_totals.sql after the rollup (Linux rchar), every file read counted; query times are medians of 3 runs after a warm-up`,
        `rollup: ${rolledDays} days rolled in ${(rollupMs / 1000).toFixed(1)} s (one run, the month's first), ${usageRows.toLocaleString('en-US')} rollup_usage rows, ${(rollupBytes / 1e6).toFixed(2)} MB under rollups/`,
        `governance: governanceReport + deployChanges (${records.length} deploy records, ${changes} deploys compared, ${findings} findings) in one run; prompt_groups.sql alone returns ${promptGroups.toLocaleString('en-US')} rows (groups of requests per prompt version, cohort and hour) in ${(promptRowsMs / 1000).toFixed(1)} s`,
      ],
    };
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
