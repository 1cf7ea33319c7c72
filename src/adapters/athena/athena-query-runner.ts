import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { QueryRunner } from '../../ports/query-runner.ts';
import { QUERIES_DIR } from '../../queries/query-files.ts';

export interface AthenaQueryRunnerOptions {
  athena: AthenaClient;
  workGroup: string;
  database: string;
  /** Default `AwsDataCatalog` (the Glue Data Catalog). */
  catalog?: string;
  /**
   * The longest time between two `GetQueryExecution` calls; default 500 ms. The first poll is made at once, the first
   * wait is 50 ms (or this, if less), and each wait doubles up to this (`pollWaits`): a small query, which Athena
   * ends in well under a second, is seen done within about one doubling of its end rather than up to 500 ms later,
   * and a long one costs 2 polls a second.
   */
  pollIntervalMs?: number;
  /** How long a query may stay QUEUED / RUNNING before it is stopped; default 5 minutes. */
  timeoutMs?: number;
  /** The SQL text of a query file (a path under queries/); default: read it from the repository's queries/. */
  readQuery?: (queryFile: string) => string;
}

/** A query that Athena failed or cancelled, or that was stopped after the runner's timeout. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly queryFile: string,
    readonly queryExecutionId: string | undefined,
    /** FAILED, CANCELLED, or TIMEOUT (stopped by this runner). */
    readonly state: string,
    /** Athena's `StateChangeReason`, when it gave one. */
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The wait before the second `GetQueryExecution` of a query; each later wait doubles, up to `pollIntervalMs`. */
const FIRST_POLL_MS = 50;

/** The waits between the polls of one query: 50 ms (or `max`, if less), doubling up to `max`, then `max` on. */
export function* pollWaits(max: number): Generator<number, never> {
  let wait = Math.min(FIRST_POLL_MS, max);
  for (;;) {
    yield wait;
    wait = Math.min(wait * 2, max);
  }
}

/** Athena's page size limit for GetQueryResults. */
const MAX_RESULTS = 1000;

/**
 * Runs queries/ files on Athena: the file's SQL text goes to StartQueryExecution unchanged, and the parameters
 * travel separately as execution parameters (string literals, bound positionally to the `?` of the text), then
 * the runner polls the execution and pages through its results, typing each value by its column's type.
 */
export class AthenaQueryRunner implements QueryRunner {
  private readonly athena: AthenaClient;
  private readonly workGroup: string;
  private readonly database: string;
  private readonly catalog: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly readQuery: (queryFile: string) => string;

  constructor(options: AthenaQueryRunnerOptions) {
    this.athena = options.athena;
    this.workGroup = options.workGroup;
    this.database = options.database;
    this.catalog = options.catalog ?? 'AwsDataCatalog';
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.readQuery = options.readQuery ?? ((file) => readFileSync(join(QUERIES_DIR, file), 'utf8'));
  }

  async run(queryFile: string, params: readonly string[]): Promise<Record<string, unknown>[]> {
    const sql = this.readQuery(queryFile);
    const started = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: { Database: this.database, Catalog: this.catalog },
        WorkGroup: this.workGroup,
        // Athena refuses an empty list; a query without `?` simply has none.
        ...(params.length > 0 ? { ExecutionParameters: params.map(sqlLiteral) } : {}),
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error(`queries/${queryFile}: Athena returned no QueryExecutionId`);
    const execution = await this.waitFor(queryFile, id);
    return this.results(id, execution);
  }

  /** Polls the execution until it ends; a query still running at the timeout is stopped. */
  private async waitFor(queryFile: string, id: string): Promise<QueryExecution> {
    const deadline = Date.now() + this.timeoutMs;
    const waits = pollWaits(this.pollIntervalMs);
    for (;;) {
      const { QueryExecution: execution } = await this.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return execution as QueryExecution;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage;
        throw new AthenaQueryError(
          `queries/${queryFile}: Athena query ${id} ${state}${reason ? `: ${reason}` : ''}`,
          queryFile,
          id,
          state,
          reason,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        let stopError: unknown;
        try {
          await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        } catch (err) {
          stopError = err;
        }
        throw new AthenaQueryError(
          `queries/${queryFile}: Athena query ${id} still ${state ?? 'not started'} after ${this.timeoutMs} ms; ` +
            (stopError ? `stopping it failed: ${(stopError as Error).message}` : 'stopped'),
          queryFile,
          id,
          'TIMEOUT',
          undefined,
          stopError ? { cause: stopError } : undefined,
        );
      }
      await sleep(Math.min(waits.next().value, left));
    }
  }

  /** Every page of the results, as rows keyed by column name with values typed by column type. */
  private async results(id: string, execution: QueryExecution): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let columns: ColumnInfo[] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      const page = await this.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: MAX_RESULTS, NextToken: nextToken }),
      );
      if (first) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let pageRows = page.ResultSet?.Rows ?? [];
      if (first && pageRows.length > 0 && isHeader(pageRows[0] as Row, columns, execution.StatementType)) {
        pageRows = pageRows.slice(1);
      }
      for (const row of pageRows) rows.push(typedRow(row, columns));
      nextToken = page.NextToken || undefined;
      first = false;
    } while (nextToken);
    return rows;
  }
}

/**
 * A string as an Athena (Trino) SQL string literal, for `ExecutionParameters`: enclosed in single quotes, with
 * each single quote inside doubled. Trino has no backslash escapes, so nothing else is special.
 */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * For a SELECT (statement type DML), Athena's first result row holds the column labels. When the statement type
 * is unknown, the first row counts as the header only if it is exactly the column labels.
 */
function isHeader(row: Row, columns: readonly ColumnInfo[], statementType: string | undefined): boolean {
  if (statementType === 'DML') return true;
  if (statementType !== undefined) return false;
  const data = row.Data ?? [];
  return (
    data.length === columns.length &&
    data.every((d, i) => d.VarCharValue === (columns[i]?.Label ?? columns[i]?.Name))
  );
}

const NUMERIC_TYPES = new Set([
  'tinyint',
  'smallint',
  'integer',
  'int',
  'bigint',
  'double',
  'real',
  'float',
  'decimal',
]);

function typedRow(row: Row, columns: readonly ColumnInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const data = row.Data ?? [];
  columns.forEach((column, i) => {
    out[column.Name ?? `_col${i}`] = typedValue(data[i]?.VarCharValue, column.Type);
  });
  return out;
}

/**
 * One value by its column's Athena type: numbers (64-bit integers and decimals as JS numbers, like the local
 * engine), booleans, and everything else (varchar, date, timestamp, ...) as the text Athena gives. Athena leaves
 * `VarCharValue` out for NULL.
 */
function typedValue(text: string | undefined, type: string | undefined): unknown {
  if (text === undefined) return null;
  const base = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '').trim();
  if (NUMERIC_TYPES.has(base)) return Number(text);
  if (base === 'boolean') return text === 'true';
  return text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
