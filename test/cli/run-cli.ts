import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

/** A writable stream that keeps everything written to it as text. */
export class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process, as `tokenledger ...argv` would, and collects what it prints. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  const out = new TextSink();
  const err = new TextSink();
  const code = await main(argv, out, err);
  return { code, stdout: out.text, stderr: err.text };
}

/** Every file under a folder (relative paths, sorted) with a hash of its content; [] when it does not exist. */
export function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => {
      const hash = createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex')
        .slice(0, 16);
      return `${name.split(sep).join('/')} ${hash}`;
    })
    .sort();
}

/** The files under `dir` whose relative path starts with `prefix` (e.g. `events/`). */
export function filesUnder(dir: string, prefix: string): string[] {
  return snapshot(dir)
    .map((entry) => entry.split(' ')[0] as string)
    .filter((path) => path.startsWith(prefix));
}

/** Runs `query SQL --format json` on a lake and returns the parsed rows. */
export async function queryJson(lake: string, sql: string): Promise<Record<string, unknown>[]> {
  const run = await runCli('query', sql, '--format', 'json', '--lake', lake);
  if (run.code !== 0) throw new Error(`query failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

/** The value of `count(*) AS n` from a one-row query, as a number (DuckDB's BIGINT arrives as a string). */
export async function countOf(lake: string, from: string): Promise<number> {
  const [row] = await queryJson(lake, `SELECT count(*) AS n FROM ${from}`);
  return Number(row?.n);
}

/** A past timestamp, so that the "not more than 24 h after ingest" rule never depends on the clock. */
export const PAST_TS = '2024-06-03T09:30:00.000Z';
