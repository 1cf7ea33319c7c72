import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageSplit } from '../packages/client/src/contract/usage.ts';
import { uuidv7 } from '../packages/client/src/contract/uuidv7.ts';
import { validateEvent } from '../packages/client/src/contract/validate.ts';
import { toWireEvent, UserHasher } from '../packages/client/src/wire-event.ts';
import { LocalQueryEngine } from '../src/adapters/duckdb/local-query-engine.ts';
import { defaultPriceBook } from '../src/adapters/local/default-price-book.ts';
import { FsLakeStore } from '../src/adapters/local/fs-lake-store.ts';
import { COST_COLUMNS } from '../src/core/costs/cost-columns.ts';
import type { CostLine } from '../src/core/costs/cost-line.ts';
import type { EventRow } from '../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../src/core/lake/events-parquet.ts';
import { DEMO_HMAC_KEY, generateTraffic } from '../src/demo/traffic.ts';
import { importRows } from '../src/jobs/import-table.ts';
import { QUERIES_DIR } from '../src/queries/query-files.ts';
import { type BenchResult, result } from './measure.ts';

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

export async function marginBenchmarks(events: number): Promise<{ results: BenchResult[]; notes: string[] }> {
  const dir = join(tmpdir(), `tokenledger-margin-bench-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const { files } = await buildLake(dir, events);
  const buildS = (performance.now() - t0) / 1000;
  const engine = await LocalQueryEngine.open(dir);
  try {
    const params = ['2026-10-01', '2026-11-01', '2026-10-01', '2026-11-01', '2026-10'];
    const margin = readFileSync(join(QUERIES_DIR, 'reports/margin.sql'), 'utf8');
    const totals = readFileSync(join(QUERIES_DIR, 'reports/margin_totals.sql'), 'utf8');
    // Baseline: one pass over the same month that sums the tokens per cohort and feature.
    const plain =
      'SELECT cohort, feature, count(*) AS n, sum(input_tokens) AS i, sum(output_tokens) AS o FROM events WHERE dt >= ? AND dt < ? GROUP BY 1, 2';
    let t = performance.now();
    await engine.run(plain, params.slice(0, 2));
    const plainMs = performance.now() - t;
    const read0 = bytesRead();
    t = performance.now();
    const rows = await engine.run(margin, params);
    await engine.run(totals, params);
    const marginMs = performance.now() - t;
    const scanned = bytesRead() - read0;

    const meta = await engine.run(
      `SELECT path_in_schema AS col, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata('${dir}/events/**/*.parquet') GROUP BY 1`,
    );
    const [count] = await engine.run('SELECT count(*) AS n FROM events');
    const n = Number(count?.n);
    const whole = meta.reduce((s, m) => s + Number(m.bytes), 0);
    return {
      results: [
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
          `s for ${n.toLocaleString('en-US')} events`,
          'one pass summing tokens per cohort and feature',
          plainMs / 1000,
        ),
      ],
      notes: [
        `margin: ${n.toLocaleString('en-US')} events in ${files} Parquet files (built in ${buildS.toFixed(0)} s), ${rows.length} report rows; bytes scanned = bytes DuckDB read from files during margin.sql + margin_totals.sql (Linux rchar), every scan of the events counted`,
      ],
    };
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
