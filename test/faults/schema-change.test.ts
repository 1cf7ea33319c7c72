import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueColumns } from '../../infra/constructs/glue-columns.ts';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { cellOf, EVENT_COLUMNS, type EventRow } from '../../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../../src/core/lake/events-parquet.ts';
import PUBLISHED_JSON from '../../src/core/lake/lake-columns.published.json' with { type: 'json' };
import { writeParquet } from '../../src/core/lake/parquet-file.ts';
import { type PublishedColumn, schemaChanges } from '../../src/core/lake/schema-evolution.ts';
import { STRING, type TableColumn } from '../../src/core/lake/table-column.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { queryJson, runCli } from '../cli/run-cli.ts';
import { ARRIVAL, wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { ddlColumns, glueTypeOf } from '../helpers/schema-guards.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const PUBLISHED = PUBLISHED_JSON.events as PublishedColumn[];

// Issue 6, case 6: a schema change.
// (a) A new optional event field: files written by a future writer carry an extra column next to the files the
//     current writer wrote; the local engine reads `events` with read_parquet(union_by_name = true), so
//     events_dedup and the reports must still query over both.
// (b) A column type change must fail a test before deploy. EVENT_COLUMNS is the one definition; the guards are
//     test/queries/sql-files.test.ts (events.hql vs EVENT_COLUMNS), test/infra/events-table.test.ts (Glue vs
//     EVENT_COLUMNS and vs a file from eventsToParquet) and test/lake/parquet-vs-glue.test.ts (files the
//     consumer writes vs eventsTableColumns()). They run over the module's EVENT_COLUMNS; the comparisons they
//     make are shared functions (test/helpers/schema-guards.ts), run here on a mutated copy. They pass a
//     change made in the one definition; what fails it before
//     deploy is the published-schema guard (src/core/lake/schema-evolution.ts against
//     lake-columns.published.json, in test/lake/schema-evolution.test.ts).

/** A column a future writer adds: optional, so every old row reads it as NULL. */
const REGION: TableColumn = { name: 'region', ...STRING, nullable: true, comment: 'cloud region of the app' };
const FUTURE_COLUMNS: readonly TableColumn[] = [...EVENT_COLUMNS, REGION];

/** A copy of the definition with one column's type changed. */
const withType = (
  name: string,
  type: Pick<TableColumn, 'parquet' | 'glue' | 'duckdb'>,
): readonly TableColumn[] => EVENT_COLUMNS.map((c) => (c.name === name ? { ...c, ...type } : c));
/** ttft_ms double → string: a column no view or report computes with (only events_dedup lists it). */
const MUTATED = withType('ttft_ms', STRING);

/** A stored row for a wire event, as the consumer makes it. */
function row(overrides: Record<string, unknown>): EventRow {
  const check = validateEvent(wireEvent(overrides), ARRIVAL);
  if (!check.ok) throw new Error(JSON.stringify(check.rejections));
  return { ...check.event, received_at: ARRIVAL };
}

/** Rows as a future writer would write them: the current columns plus `region`. */
function futureFile(rows: EventRow[], region: string | null): Uint8Array {
  return writeParquet(FUTURE_COLUMNS, rows, {
    cellOf: (r, column) => (column.name === REGION.name ? region : cellOf(r, column)),
  });
}

function put(lakeDir: string, key: string, bytes: Uint8Array): void {
  mkdirSync(join(lakeDir, key, '..'), { recursive: true });
  writeFileSync(join(lakeDir, key), bytes);
}

/** Leaf columns of a Parquet file: name, physical type and converted type. */
function fileSchema(bytes: Uint8Array): { name: string; type?: string; converted_type?: string }[] {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const [, ...leaves] = parquetMetadata(buffer).schema;
  return leaves.map((e) => ({ name: e.name, type: e.type, converted_type: e.converted_type }));
}

// ---- the guards' comparisons: the same functions the guard tests use (test/helpers/schema-guards.ts) ----

/** Where two `{ name, type }` lists disagree, by position: what the guards' toEqual would print. */
function mismatches(
  a: readonly { name?: string; type?: string }[],
  b: readonly { name?: string; type?: string }[],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.name !== y?.name || x?.type !== y?.type) {
      out.push(`${x?.name}:${x?.type} ≠ ${y?.name}:${y?.type}`);
    }
  }
  return out;
}

const nameType = (columns: readonly TableColumn[]) => columns.map((c) => ({ name: c.name, type: c.glue }));

describe('fault: schema change — a new optional event field, old and new files side by side', () => {
  let lake: { dir: string; remove: () => Promise<void> };
  let engine: LocalQueryEngine;
  const day = (d: string, h: number) => `2026-10-${d}T${String(h).padStart(2, '0')}:00:00.000Z`;

  beforeAll(async () => {
    lake = await tempDir('tokenledger-schema-change-');
    // Old files, by the current write path (the consumer): 30th and 31st, 4 events each
    const fixture = new LakeFixture(lake.dir);
    await fixture.events([
      ...[1, 2, 3, 4].map((h) => wireEvent({ ts: day('30', h), prompt_id: 'draft', prompt_version: 'v1' })),
      ...[1, 2, 3, 4].map((h) =>
        wireEvent({
          event_id: `evt_old_31_${h}`,
          ts: day('31', h),
          status: h === 4 ? 'cancelled' : 'ok',
          ...(h === 4 ? { delivered_output_tokens: 100 } : {}),
        }),
      ),
    ]);
    // Newer files, from a future writer with `region`: 3 new events on the 31st (beside the old file), a retried
    // copy of an old event, and 2 events on 2026-11-01 (a partition with new files only)
    const newer31 = [
      row({ event_id: 'evt_new_31_1', ts: day('31', 10), status: 'cancelled', delivered_output_tokens: 50 }),
      row({ event_id: 'evt_new_31_2', ts: day('31', 11), prompt_id: 'draft', prompt_version: 'v2' }),
      row({ event_id: 'evt_new_31_3', ts: day('31', 12), feature: 'search-answer' }),
      row({ event_id: 'evt_old_31_2', ts: day('31', 2) }), // the same event, stored again by the new writer
    ];
    put(
      lake.dir,
      'events/dt=2026-10-31/llm-events/shard-9/future-writer.parquet',
      futureFile(newer31, 'eu-west-1'),
    );
    put(
      lake.dir,
      'events/dt=2026-11-01/llm-events/shard-9/future-writer.parquet',
      futureFile(
        [
          row({ event_id: 'evt_new_01_1', ts: '2026-11-01T08:00:00.000Z' }),
          row({ event_id: 'evt_new_01_2', ts: '2026-11-01T09:00:00.000Z' }),
        ],
        null,
      ),
    );
    engine = await LocalQueryEngine.open(lake.dir);
  });
  afterAll(async () => {
    engine?.close();
    await lake?.remove();
  });

  it('the lake holds both kinds of file: the old ones without the column, the new ones with it', async () => {
    const files = await engine.run(
      `SELECT file_name, bool_or(name = 'region') AS has_region FROM parquet_schema('${lake.dir}/events/**/*.parquet') GROUP BY 1 ORDER BY 1`,
    );
    expect(files.map((f) => f.has_region).sort()).toEqual([false, false, true, true]);
  });

  it('events reads every file (the new column NULL in old rows); events_dedup keeps its columns and counts each event once', async () => {
    const [all] = await engine.run(
      "SELECT count(*) AS n, count(region) AS with_region, count(*) FILTER (WHERE dt = '2026-10-31') AS n31 FROM events",
    );
    expect(all).toEqual({ n: 14, with_region: 4, n31: 8 });
    const columns = (await engine.run('DESCRIBE events_dedup')).map((c) => c.column_name);
    expect(columns).toEqual([...EVENT_COLUMNS.map((c) => c.name), 'dt']);
    const perDay = await engine.run('SELECT dt, count(*) AS n FROM events_dedup GROUP BY dt ORDER BY dt');
    expect(perDay).toEqual([
      { dt: '2026-10-30', n: 4 },
      { dt: '2026-10-31', n: 7 },
      { dt: '2026-11-01', n: 2 },
    ]);
  });

  it('the CLI reports query over both: waste, governance and margin count the events of both writers', async () => {
    const waste = await runCli(
      'report',
      'waste',
      '--from',
      '2026-10-30',
      '--to',
      '2026-11-02',
      '--format',
      'json',
      '--lake',
      lake.dir,
    );
    expect(waste.code, waste.stderr).toBe(0);
    const w = JSON.parse(waste.stdout) as {
      rows: { requests: number; cancelled_requests: number }[];
      totals: { wasted_output_tokens: number };
    };
    expect(w.rows.reduce((n, r) => n + r.requests, 0)).toBe(13);
    expect(w.rows.reduce((n, r) => n + r.cancelled_requests, 0)).toBe(2);
    expect(w.totals.wasted_output_tokens).toBe(300 - 100 + (300 - 50));

    const governance = await runCli(
      'report',
      'governance',
      '--from',
      '2026-10-30',
      '--to',
      '2026-11-02',
      '--format',
      'json',
      '--lake',
      lake.dir,
    );
    expect(governance.code, governance.stderr).toBe(0);
    expect(JSON.parse(governance.stdout).summary).toMatchObject({ versions_seen: 2, requests: 5 });

    const margin = await runCli(
      'report',
      'margin',
      '--month',
      '2026-10',
      '--format',
      'json',
      '--lake',
      lake.dir,
    );
    expect(margin.code, margin.stderr).toBe(0);
    const m = JSON.parse(margin.stdout) as { rows: { requests: number }[] };
    expect(m.rows.reduce((n, r) => n + r.requests, 0)).toBe(11);

    const [usage] = await queryJson(
      lake.dir,
      "SELECT count(*) AS n FROM request_usage WHERE usage_type = 'output'",
    );
    expect(usage).toEqual({ n: 13 });
  });
});

describe('fault: schema change — a column type change (ttft_ms double → string) against the guards', () => {
  const hql = readFileSync(join(QUERIES_DIR, 'tables/events.hql'), 'utf8');

  it('the events.hql guard (sql-files.test.ts) reports it: the hand-written DDL no longer matches the definition', () => {
    const declared = ddlColumns(hql).map((c) => ({ name: c.name, type: c.glue }));
    expect(mismatches(declared, nameType(EVENT_COLUMNS))).toEqual([]); // as deployed today
    expect(mismatches(declared, nameType(MUTATED))).toEqual(['ttft_ms:double ≠ ttft_ms:string']);
  });

  it('the Glue and Parquet guards (events-table, parquet-vs-glue) fail when ONE side drifts from the other', () => {
    // the Glue side hand-edited, the writer unchanged
    const written = fileSchema(eventsToParquet([])).map((e) => ({ name: e.name, type: glueTypeOf(e) }));
    const glue = glueColumns(MUTATED).map((c) => ({ name: c.name, type: c.type }));
    expect(mismatches(written, glue)).toEqual(['ttft_ms:double ≠ ttft_ms:string']);
    // the writer changed, the Glue table as deployed
    const rewritten = fileSchema(writeParquet(MUTATED, [])).map((e) => ({
      name: e.name,
      type: glueTypeOf(e),
    }));
    expect(mismatches(rewritten, nameType(EVENT_COLUMNS))).toEqual(['ttft_ms:string ≠ ttft_ms:double']);
  });

  it('…but a change made in the ONE definition passes them: writer and Glue both follow it (so do the DDL, once edited)', () => {
    const written = fileSchema(writeParquet(MUTATED, [])).map((e) => ({ name: e.name, type: glueTypeOf(e) }));
    const glue = glueColumns(MUTATED).map((c) => ({ name: c.name, type: c.type }));
    expect(mismatches(written, glue)).toEqual([]);
    expect(mismatches(glue, nameType(MUTATED))).toEqual([]);
    const editedHql = hql.replace(/^(\s+ttft_ms) double /m, '$1 string ');
    expect(editedHql).not.toBe(hql);
    expect(
      mismatches(
        ddlColumns(editedHql).map((c) => ({ name: c.name, type: c.glue })),
        nameType(MUTATED),
      ),
    ).toEqual([]);
  });

  it('the published-schema guard (test/lake/schema-evolution.test.ts) fails on it: the files already in the lake keep double', () => {
    expect(schemaChanges(PUBLISHED, EVENT_COLUMNS)).toEqual([]); // as deployed today
    expect(schemaChanges(PUBLISHED, MUTATED)).toEqual([
      'column "ttft_ms" changed type from double (DOUBLE) to string (STRING)',
    ]);
    // and a new optional field (case a) passes it
    expect(schemaChanges(PUBLISHED, FUTURE_COLUMNS)).toEqual([]);
  });

  it('what the change breaks is the partitions already in the lake: their files vs the changed table (the published-schema guard)', () => {
    const oldPartition = fileSchema(eventsToParquet([row({ ts: '2026-10-30T10:00:00.000Z' })])).map((e) => ({
      name: e.name,
      type: glueTypeOf(e),
    }));
    expect(mismatches(oldPartition, nameType(MUTATED))).toEqual(['ttft_ms:double ≠ ttft_ms:string']);
  });

  it('locally nothing shows either: old DOUBLE files beside new string files union to VARCHAR and every view and report runs', async () => {
    const lake = await tempDir('tokenledger-type-change-');
    try {
      put(
        lake.dir,
        'events/dt=2026-10-30/old.parquet',
        eventsToParquet([row({ ts: '2026-10-30T10:00:00.000Z', ttft_ms: 120.5 })]),
      );
      put(
        lake.dir,
        'events/dt=2026-10-31/new.parquet',
        writeParquet(MUTATED, [row({ ts: '2026-10-31T10:00:00.000Z', ttft_ms: 80 })], {
          cellOf: (r, c) => (c.name === 'ttft_ms' ? String(r.ttft_ms) : cellOf(r, c)),
        }),
      );
      const engine = await LocalQueryEngine.open(lake.dir);
      try {
        expect(
          await engine.run("SELECT column_type FROM (DESCRIBE events_dedup) WHERE column_name = 'ttft_ms'"),
        ).toEqual([{ column_type: 'VARCHAR' }]);
        expect(await engine.run('SELECT ttft_ms FROM events_dedup ORDER BY dt')).toEqual([
          { ttft_ms: '120.5' },
          { ttft_ms: '80' },
        ]);
      } finally {
        engine.close();
      }
      const waste = await runCli(
        'report',
        'waste',
        '--from',
        '2026-10-30',
        '--to',
        '2026-11-01',
        '--format',
        'json',
        '--lake',
        lake.dir,
      );
      expect(waste.code, waste.stderr).toBe(0);
    } finally {
      await lake.remove();
    }
  });

  it('a type change of a column the views compute with (input_tokens int → string) does fail locally: the views no longer bind', async () => {
    const lake = await tempDir('tokenledger-type-change-');
    try {
      put(
        lake.dir,
        'events/dt=2026-10-31/new.parquet',
        writeParquet(withType('input_tokens', STRING), [row({ ts: '2026-10-31T10:00:00.000Z' })], {
          cellOf: (r, c) => (c.name === 'input_tokens' ? String(r.input_tokens) : cellOf(r, c)),
        }),
      );
      await expect(LocalQueryEngine.open(lake.dir)).rejects.toThrow(
        /^queries\/views\/38_events_resolved\.sql: Binder Error: Cannot compare values of type VARCHAR and type INTEGER/,
      );
    } finally {
      await lake.remove();
    }
  });
});
