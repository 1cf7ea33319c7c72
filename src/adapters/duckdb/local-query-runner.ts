import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryRunner } from '../../ports/query-runner.ts';
import { QUERIES_DIR } from '../../queries/query-files.ts';
import type { LocalQueryEngine } from './local-query-engine.ts';

/** Runs queries/ files on the local DuckDB engine; parameters bind to the `?` in order, as in Athena. */
export class LocalQueryRunner implements QueryRunner {
  constructor(private readonly engine: LocalQueryEngine) {}

  run(queryFile: string, params: readonly string[]): Promise<Record<string, unknown>[]> {
    return this.engine.run(readFileSync(join(QUERIES_DIR, queryFile), 'utf8'), params);
  }
}
