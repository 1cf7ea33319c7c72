import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, join, relative, sep } from 'node:path';
import type { ColumnInfo, Datum, QueryExecutionState, Row } from '@aws-sdk/client-athena';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DuckDBValue } from '@duckdb/node-api';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import type { QueryFile } from '../../src/queries/query-files.ts';
import { serveLocal } from './local-endpoint.ts';

/** One request the endpoint received: the operation (from `X-Amz-Target`), its JSON body and the reply. */
export interface AthenaRequest {
  operation: string;
  body: Record<string, unknown>;
  /** When the endpoint received it (`performance.now()`). */
  at: number;
  /** The JSON the endpoint answered with (an error as `{ __type, message }`). */
  response?: unknown;
}

export interface LocalAthena {
  endpoint: string;
  /** An SDK client for this endpoint (destroyed by `stop`). */
  client: AthenaClient;
  /** Every request received, in order. */
  requests: AthenaRequest[];
  /** The requests of one operation, e.g. `requestsOf('GetQueryResults')`. */
  requestsOf(operation: string): AthenaRequest[];
  /**
   * Reads the lake from this bucket of `s3` (given at start) from the next query on, as Athena reads the lake
   * bucket: before each query the bucket's objects are mirrored into `lakeDir` (new and changed ones copied, gone
   * ones removed). `null` goes back to reading `lakeDir` as it is.
   */
  readBucket(bucket: string | null): void;
  stop(): Promise<void>;
}

export interface LocalAthenaOptions {
  /** The lake the queries read (events, costs, prices, revenue and the queries/ views, as LocalQueryEngine). */
  lakeDir: string;
  /** Queries for which this returns true never finish on their own: they stay RUNNING until stopped. */
  stall?: (sql: string) => boolean;
  /** Views created at start. @default every view of queries/views (pass [] to start without views) */
  views?: QueryFile[];
  /** An S3 client (s3rver) whose buckets `readBucket` can point the queries at. */
  s3?: S3Client;
}

/** `CREATE [OR REPLACE] VIEW` or `DROP VIEW`, after any leading comments: run as DDL, without results. */
const VIEW_DDL = /^(?:\s*--[^\n]*\n)*\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?VIEW|DROP\s+VIEW)\b/i;

const TARGET_PREFIX = 'AmazonAthena.';
const JSON_1_1 = 'application/x-amz-json-1.1';

interface Execution {
  id: string;
  sql: string;
  body: Record<string, unknown>;
  submittedAt: number;
  completedAt?: number;
  /** GetQueryExecution calls so far: the first sees QUEUED, the next RUNNING, then the outcome once known. */
  polls: number;
  stalled: boolean;
  cancelled: boolean;
  ddl?: boolean;
  outcome?: { columns: ColumnInfo[]; rows: Row[] } | { error: string };
}

class AthenaError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A small Athena-compatible endpoint for tests: the Athena JSON 1.1 protocol over `node:http` on 127.0.0.1,
 * running each query on DuckDB (LocalQueryEngine over a lake folder). Execution parameters are parsed back from
 * their SQL literals into values and bound to the `?` of the query in order — the SQL text is never spliced.
 * Supports StartQueryExecution, GetQueryExecution (QUEUED, RUNNING, then SUCCEEDED or FAILED), GetQueryResults
 * (pages of MaxResults rows with NextToken, header row first) and StopQueryExecution.
 */
export async function startLocalAthena(options: LocalAthenaOptions): Promise<LocalAthena> {
  const engine = await LocalQueryEngine.open(options.lakeDir, options.views);
  let bucket: string | null = null;
  const executions = new Map<string, Execution>();
  const requests: AthenaRequest[] = [];
  // One DuckDB connection: run the queries one after another, as a queue.
  let queue: Promise<void> = Promise.resolve();

  const execute = (execution: Execution, params: DuckDBValue[]) => {
    queue = queue.then(async () => {
      if (execution.cancelled) return;
      try {
        if (VIEW_DDL.test(execution.sql)) {
          await engine.run(execution.sql, params);
          execution.ddl = true;
          execution.outcome = { columns: [], rows: [] };
          execution.completedAt = Date.now();
          return;
        }
        // Athena lists a table's objects when a query runs: files written since the last query (a new rollup) count.
        if (bucket !== null) await mirrorBucket(options.s3 as S3Client, bucket, options.lakeDir);
        await engine.reloadTables();
        const { columns, rows } = await engine.query(execution.sql, params);
        const described = await engine.run(`DESCRIBE ${execution.sql}`, params);
        const types = described.map((d) => String(d.column_type));
        const info = columns.map((name, i) => columnInfo(name, types[i] ?? 'VARCHAR'));
        const header: Row = { Data: columns.map((name) => ({ VarCharValue: name })) };
        const data = rows.map(
          (row): Row => ({ Data: columns.map((name, i) => datum(row[name], info[i]?.Type ?? 'varchar')) }),
        );
        execution.outcome = { columns: info, rows: [header, ...data] };
      } catch (err) {
        execution.outcome = { error: (err as Error).message };
      }
      execution.completedAt = Date.now();
    });
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartQueryExecution(body) {
      const sql = body.QueryString;
      if (typeof sql !== 'string' || sql.trim() === '') {
        throw new AthenaError('InvalidRequestException', 'QueryString is required');
      }
      const raw = body.ExecutionParameters ?? [];
      if (!Array.isArray(raw) || raw.some((p) => typeof p !== 'string')) {
        throw new AthenaError('InvalidRequestException', 'ExecutionParameters must be a list of strings');
      }
      const id = randomUUID();
      const stalled = options.stall?.(sql) ?? false;
      const execution: Execution = {
        id,
        sql,
        body,
        submittedAt: Date.now(),
        polls: 0,
        stalled,
        cancelled: false,
      };
      executions.set(id, execution);
      if (!stalled) {
        let params: DuckDBValue[] | undefined;
        try {
          params = (raw as string[]).map(parseSqlLiteral);
        } catch (err) {
          execution.outcome = { error: (err as Error).message };
          execution.completedAt = Date.now();
        }
        if (params) execute(execution, params);
      }
      return { QueryExecutionId: id };
    },

    GetQueryExecution(body) {
      const execution = find(body);
      execution.polls++;
      const state = stateOf(execution);
      const error = execution.outcome && 'error' in execution.outcome ? execution.outcome.error : undefined;
      return {
        QueryExecution: {
          QueryExecutionId: execution.id,
          Query: execution.sql,
          StatementType: execution.ddl ? 'DDL' : 'DML',
          QueryExecutionContext: execution.body.QueryExecutionContext,
          WorkGroup: execution.body.WorkGroup ?? 'primary',
          ExecutionParameters: execution.body.ExecutionParameters,
          Status: {
            State: state,
            SubmissionDateTime: execution.submittedAt / 1000,
            ...(state === 'FAILED' ? { StateChangeReason: error } : {}),
            ...(state === 'CANCELLED' ? { StateChangeReason: 'Query was cancelled by the user' } : {}),
            ...(isFinal(state) && execution.completedAt
              ? { CompletionDateTime: execution.completedAt / 1000 }
              : {}),
          },
        },
      };
    },

    GetQueryResults(body) {
      const execution = find(body);
      const state = stateOf(execution, false);
      if (state !== 'SUCCEEDED' || !execution.outcome || 'error' in execution.outcome) {
        throw new AthenaError(
          'InvalidRequestException',
          isFinal(state)
            ? `Query did not finish successfully. Final query state: ${state}`
            : `Query has not yet finished. Current state: ${state}`,
        );
      }
      const max = body.MaxResults === undefined ? 1000 : Number(body.MaxResults);
      if (!Number.isInteger(max) || max < 1 || max > 1000) {
        throw new AthenaError('InvalidRequestException', 'MaxResults must be between 1 and 1000');
      }
      const offset = body.NextToken === undefined ? 0 : tokenOffset(String(body.NextToken), execution.id);
      const { columns, rows } = execution.outcome;
      const end = Math.min(offset + max, rows.length);
      return {
        UpdateCount: 0,
        ResultSet: { Rows: rows.slice(offset, end), ResultSetMetadata: { ColumnInfo: columns } },
        ...(end < rows.length ? { NextToken: token(execution.id, end) } : {}),
      };
    },

    StopQueryExecution(body) {
      const execution = find(body);
      if (!isFinal(stateOf(execution, false))) {
        execution.cancelled = true;
        execution.completedAt = Date.now();
      }
      return {};
    },
  };

  function find(body: Record<string, unknown>): Execution {
    const id = body.QueryExecutionId;
    const execution = typeof id === 'string' ? executions.get(id) : undefined;
    if (!execution)
      throw new AthenaError('InvalidRequestException', `QueryExecution ${String(id)} was not found`);
    return execution;
  }

  /** The state a client sees; `byPoll` is false for calls that must not depend on the QUEUED/RUNNING show. */
  function stateOf(execution: Execution, byPoll = true): QueryExecutionState {
    if (execution.cancelled) return 'CANCELLED';
    if (byPoll && execution.polls === 1) return 'QUEUED';
    if ((byPoll && execution.polls === 2) || !execution.outcome) return 'RUNNING';
    return 'error' in execution.outcome ? 'FAILED' : 'SUCCEEDED';
  }

  const server = await serveLocal(
    (req, raw, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
        reply(res, 400, { __type: 'UnknownOperationException', message: `no operation for ${target}` });
        return;
      }
      const operation = target.slice(TARGET_PREFIX.length);
      let body: Record<string, unknown>;
      try {
        const text = raw.toString('utf8');
        body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        reply(res, 400, { __type: 'SerializationException', message: 'request body is not JSON' });
        return;
      }
      const request: AthenaRequest = { operation, body, at: performance.now() };
      requests.push(request);
      const op = operations[operation];
      if (!op) {
        request.response = {
          __type: 'UnknownOperationException',
          message: `unsupported operation ${operation}`,
        };
        reply(res, 400, request.response);
        return;
      }
      try {
        request.response = op(body);
        reply(res, 200, request.response);
      } catch (err) {
        if (!(err instanceof AthenaError)) throw err;
        request.response = { __type: err.type, message: err.message };
        reply(res, 400, request.response);
      }
    },
    (res, err) => reply(res, 500, { __type: 'InternalServerException', message: err.message }),
  );
  const { endpoint } = server;
  const client = localAthenaClient(endpoint);
  return {
    endpoint,
    client,
    requests,
    requestsOf: (operation) => requests.filter((r) => r.operation === operation),
    readBucket: (name) => {
      if (name !== null && !options.s3) throw new Error('readBucket needs the s3 option of startLocalAthena');
      bucket = name;
    },
    stop: async () => {
      client.destroy();
      await server.close();
      await queue;
      engine.close();
    },
  };
}

/**
 * Runs one statement through an Athena client (as an operator would on Athena) and waits for it to finish, for up to
 * 30 s; throws naming the statement when it fails or is still running then.
 */
export async function athenaStatement(client: AthenaClient, sql: string, workGroup: string): Promise<void> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workGroup }),
  );
  const deadline = Date.now() + 30_000;
  let state: QueryExecutionState | undefined;
  while (Date.now() < deadline) {
    const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    state = out.QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') return;
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new Error(`${sql}: ${state} ${out.QueryExecution?.Status?.StateChangeReason ?? ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`${sql}: still ${state} after 30 s`);
}

/** An SDK client for a local Athena endpoint (HTTP/1.1 handler, dummy credentials, no retries). */
export function localAthenaClient(endpoint: string): AthenaClient {
  return new AthenaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': JSON_1_1,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function isFinal(state: QueryExecutionState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}

function token(id: string, offset: number): string {
  return Buffer.from(JSON.stringify({ id, offset })).toString('base64url');
}

function tokenOffset(text: string, id: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      id?: string;
      offset?: number;
    };
    if (parsed.id === id && Number.isInteger(parsed.offset) && (parsed.offset as number) >= 0) {
      return parsed.offset as number;
    }
  } catch {
    // fall through
  }
  throw new AthenaError('InvalidRequestException', 'NextToken is not valid for this query');
}

/**
 * An execution parameter's SQL literal back to the value DuckDB binds: a single-quoted string (doubled quotes
 * inside), an integer or decimal number, TRUE / FALSE, or NULL. Anything else fails the query, as Athena fails a
 * parameter it cannot analyse.
 */
export function parseSqlLiteral(literal: string): DuckDBValue {
  const text = literal.trim();
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) return (quoted[1] as string).replaceAll("''", "'");
  if (/^[+-]?\d+$/.test(text)) return BigInt(text);
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  if (/^true$/i.test(text)) return true;
  if (/^false$/i.test(text)) return false;
  if (/^null$/i.test(text)) return null;
  throw new Error(
    `INVALID_FUNCTION_ARGUMENT: execution parameter ${JSON.stringify(literal)} is not a literal this endpoint binds`,
  );
}

/** DuckDB's column type (as DESCRIBE names it) as Athena's ColumnInfo. */
function columnInfo(name: string, duckType: string): ColumnInfo {
  const common = {
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Nullable: 'UNKNOWN' as const,
    CaseSensitive: false,
  };
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(duckType);
  if (decimal) {
    return { ...common, Type: 'decimal', Precision: Number(decimal[1]), Scale: Number(decimal[2]) };
  }
  const type = athenaType(duckType.toUpperCase());
  const precision: Record<string, number> = { bigint: 19, integer: 10, double: 17, timestamp: 3, date: 0 };
  return {
    ...common,
    Type: type,
    Precision: precision[type] ?? 2147483647,
    Scale: 0,
    CaseSensitive: type === 'varchar',
  };
}

function athenaType(duckType: string): string {
  if (duckType === 'VARCHAR') return 'varchar';
  if (['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT', 'UINTEGER'].includes(duckType)) return 'bigint';
  if (['INTEGER', 'SMALLINT', 'TINYINT', 'USMALLINT', 'UTINYINT'].includes(duckType)) return 'integer';
  if (duckType === 'DOUBLE' || duckType === 'FLOAT') return 'double';
  if (duckType === 'BOOLEAN') return 'boolean';
  if (duckType.startsWith('TIMESTAMP')) return 'timestamp';
  if (duckType === 'DATE') return 'date';
  return 'varchar';
}

/** A value as Athena's result text: NULL leaves VarCharValue out; timestamps have milliseconds. */
function datum(value: unknown, type: string): Datum {
  if (value === null || value === undefined) return {};
  if (type === 'timestamp') return { VarCharValue: athenaTimestamp(String(value)) };
  if (typeof value === 'object') return { VarCharValue: JSON.stringify(value) };
  return { VarCharValue: String(value) };
}

/** DuckDB's `2026-11-02 10:00:00[.ffffff][+00]` as Athena's `2026-11-02 10:00:00.000` (the session is UTC). */
function athenaTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (!m) return text;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}`;
}

/** Makes `dir` hold exactly the bucket's objects (by key), copying those new or of another size. */
async function mirrorBucket(s3: S3Client, bucket: string, dir: string): Promise<void> {
  const sizes = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) sizes.set(o.Key, o.Size ?? -1);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const local = new Map<string, number>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else local.set(relative(dir, full).split(sep).join('/'), (await stat(full)).size);
    }
  };
  await walk(dir);
  for (const key of local.keys()) if (!sizes.has(key)) await rm(join(dir, ...key.split('/')));
  for (const [key, size] of sizes) {
    if (local.get(key) === size) continue;
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const path = join(dir, ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }
}
