import { cpus } from 'node:os';
import { clientBenchmarks } from './client-bench.ts';
import { ingestBenchmarks } from './ingest-bench.ts';
import { installBenchmarks } from './install-bench.ts';
import { marginBenchmarks } from './margin-bench.ts';
import type { BenchResult } from './measure.ts';

/**
 * `npm run bench`: every benchmark against a baseline measured in the same run. `-- --json` prints one
 * JSON object per line; without it, a Markdown table for docs/benchmarks.md.
 */
const json = process.argv.includes('--json');
const results: BenchResult[] = [];
const notes: string[] = [];
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const marginEvents = Number(
  process.argv.find((a) => a.startsWith('--margin-events='))?.split('=')[1] ?? 10_000_000,
);
const benches = {
  ingest: ingestBenchmarks,
  client: clientBenchmarks,
  margin: () => marginBenchmarks(marginEvents),
  install: installBenchmarks,
};
for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  const out = await bench();
  results.push(...out.results);
  notes.push(...out.notes);
}
if (json) {
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpu}, Node ${process.version}\n\n`,
  );
  process.stdout.write(
    '| name | value | unit | baseline | baseline value | ratio |\n|---|---:|---|---|---:|---:|\n',
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.name} | ${r.value} | ${r.unit} | ${r.baseline} | ${r.baseline_value} | ${r.ratio} |\n`,
    );
  }
  process.stdout.write(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
}
