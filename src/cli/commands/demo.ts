import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalQueryEngine } from '../../adapters/duckdb/local-query-engine.ts';
import { DEMO_HMAC_KEY, generateTraffic } from '../../demo/traffic.ts';
import { openLocalLake } from '../../local/local-lake.ts';
import { runLocalPipeline } from '../../local/local-pipeline.ts';
import { LAKE_OPTION, lakeDir, parseCommand, positiveInt } from '../args.ts';
import { UsageError } from '../errors.ts';
import { formatCount, renderTable } from '../format/table.ts';
import type { Io } from '../main.ts';
import { progressReporter } from '../progress.ts';
import { checkClient, summarise } from './ingest-events.ts';

/** Marks a lake the demo made, so that a second run may clear it and nothing else is ever cleared. */
const DEMO_MARKER = '.tokenledger-demo';

/** `tokenledger demo`: a realistic month through the whole local pipeline, then the numbers. */
export async function demoCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('demo', argv, {
    ...LAKE_OPTION,
    events: { type: 'string', default: '100000' },
    month: { type: 'string' },
    seed: { type: 'string', default: '42' },
  });
  if (positionals.length > 0)
    throw new UsageError(`demo takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const requests = positiveInt('events', values.events);
  const seed = positiveInt('seed', values.seed);
  const month = values.month ?? lastFullMonth(new Date());
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
    throw new UsageError(`--month ${JSON.stringify(month)} is not YYYY-MM`);
  const lake = resolve(lakeDir(values.lake));
  await prepareDemoLake(lake);

  out.write(`tokenledger demo: ${formatCount(requests)} LLM requests of ${month}, lake ${lake}\n`);
  const generating = progressReporter('generate:', err);
  const traffic = generateTraffic({ month, requests, seed });
  generating.done(
    `${formatCount(traffic.items.length)} calls (${formatCount(traffic.duplicates)} retried duplicates, ${formatCount(traffic.malformed)} malformed lines)`,
  );

  const ingesting = progressReporter('pipeline:', err);
  const result = await runLocalPipeline(
    openLocalLake(lake),
    (ledger) => {
      for (const item of traffic.items) {
        if (item.kind === 'call') ledger.record(item.input);
        else ledger.recordLine(item.line);
      }
    },
    {
      hmacKey: DEMO_HMAC_KEY,
      onProgress: (phase, done) => ingesting.update(done, traffic.items.length, phase),
    },
  );
  ingesting.done(`${formatCount(result.events)} events`);
  out.write(`${summarise('demo app', result).join('\n')}\n\n`);
  checkClient(result);

  const engine = await LocalQueryEngine.open(lake);
  try {
    const rows = await engine.run(
      `SELECT feature, cohort, sum(requests) AS requests, sum(input_tokens) AS input_tokens,
              sum(cache_read_tokens) AS cache_read_tokens, sum(output_tokens) AS output_tokens,
              sum(cancelled_requests) AS cancelled
         FROM feature_usage_daily GROUP BY feature, cohort ORDER BY feature, cohort`,
    );
    const [total] = await engine.run('SELECT count(*) AS n FROM events_dedup');
    out.write(`Requests and tokens by feature and cohort (${month}, deduplicated):\n`);
    out.write(
      `${renderTable(
        [
          { label: 'feature', value: (r) => String(r.feature) },
          { label: 'cohort', value: (r) => String(r.cohort) },
          { label: 'requests', value: (r) => formatCount(r.requests), align: 'right' },
          { label: 'input_tokens', value: (r) => formatCount(r.input_tokens), align: 'right' },
          { label: 'cache_read', value: (r) => formatCount(r.cache_read_tokens), align: 'right' },
          { label: 'output_tokens', value: (r) => formatCount(r.output_tokens), align: 'right' },
          { label: 'cancelled', value: (r) => formatCount(r.cancelled), align: 'right' },
        ],
        rows,
      )}\n`,
    );
    out.write(`\n${formatCount(total?.n)} distinct requests in the lake. Try:\n`);
    out.write(
      `  npx tokenledger query --lake ${values.lake} "SELECT model, count(*) FROM events_dedup GROUP BY 1"\n`,
    );
  } finally {
    engine.close();
  }
  return 0;
}

/** The demo writes only into an empty folder or one it made before (which it clears first). */
async function prepareDemoLake(dir: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, DEMO_MARKER))) {
      throw new UsageError(
        `--lake ${JSON.stringify(dir)} holds data the demo did not make; give the demo an empty or new folder`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  writeFileSync(join(dir, DEMO_MARKER), 'made by `tokenledger demo`; the next demo run clears this folder\n');
}

function lastFullMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}
