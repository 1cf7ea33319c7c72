import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';

// Every scan of the events a report query makes is bounded by dt (docs/contracts.md §1), so Athena reads only the
// partitions of the period. A relation "reads the events" when it is `events` or a view of queries/views that reads
// it, directly or through another view (events_dedup, feature_usage_daily, request_usage, request_cost,
// bucket_reconciliation, …). Each SELECT of a report that reads such a relation must have, in its own WHERE and
// outside any OR, a lower and an upper bound on that relation's dt (>=/>, </<=, =, BETWEEN or IN against no
// column): a predicate in a JOIN's ON, or on another relation's dt, does not count.

type Node = Record<string, unknown>;
const parser = new nodeSqlParser.Parser();

const sqlFiles = (folder: string) =>
  readdirSync(join(QUERIES_DIR, folder))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => `${folder}/${f}`);

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/** Every node of the tree, depth first. */
function* nodes(tree: unknown): Generator<Node> {
  if (Array.isArray(tree)) for (const item of tree) yield* nodes(item);
  else if (isNode(tree)) {
    yield tree;
    for (const value of Object.values(tree)) yield* nodes(value);
  }
}

/** A statement's syntax tree (node-sql-parser, Trino dialect), walked as plain objects. */
function astOf(sql: string): Node[] {
  const ast: unknown = parser.astify(sql, { database: 'trino' });
  return (Array.isArray(ast) ? ast : [ast]).filter(isNode);
}

const parse = (file: string) => astOf(readFileSync(join(QUERIES_DIR, file), 'utf8'));

/** The names the statement's WITH clauses define: a FROM naming one reads the CTE, not a table or view. */
function cteNames(ast: Node[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes(ast)) {
    if (Array.isArray(node.with)) {
      for (const cte of node.with as Node[])
        names.add(String((cte.name as Node)?.value ?? cte.name).toLowerCase());
    }
  }
  return names;
}

interface Scan {
  /** The relation read. */
  table: string;
  /** The name the SELECT knows it by: its alias, else its name. */
  alias: string;
  /** The WHERE of the SELECT whose FROM names it. */
  where: unknown;
}

/** Every table or view a statement's SELECTs read (CTE names excepted), with the WHERE of each SELECT. */
function scans(ast: Node[]): Scan[] {
  const ctes = cteNames(ast);
  const found: Scan[] = [];
  for (const node of nodes(ast)) {
    if (node.type !== 'select' || !Array.isArray(node.from)) continue;
    for (const item of node.from as Node[]) {
      if (typeof item.table !== 'string' || ctes.has(item.table.toLowerCase())) continue;
      found.push({
        table: item.table.toLowerCase(),
        alias: String(item.as ?? item.table).toLowerCase(),
        where: node.where,
      });
    }
  }
  return found;
}

/** The WHERE's conjuncts: its AND chain, not looking inside OR or NOT. */
function conjuncts(where: unknown): Node[] {
  if (!isNode(where)) return [];
  if (where.type === 'binary_expr' && String(where.operator).toUpperCase() === 'AND') {
    return [...conjuncts(where.left), ...conjuncts(where.right)];
  }
  return [where];
}

const columnName = (ref: Node) => {
  const column = ref.column;
  return String(isNode(column) && isNode(column.expr) ? column.expr.value : column).toLowerCase();
};

/** Whether `ref` is `dt` or `<alias>.dt` (unqualified counts only when the SELECT reads one relation). */
function isDtOf(ref: unknown, scan: Scan, relations: number): boolean {
  if (!isNode(ref) || ref.type !== 'column_ref' || columnName(ref) !== 'dt') return false;
  return ref.table === null ? relations === 1 : String(ref.table).toLowerCase() === scan.alias;
}

const referencesColumns = (tree: unknown) => [...nodes(tree)].some((n) => n.type === 'column_ref');

/** Which bounds the WHERE puts on the scan's dt: 'lower', 'upper' (an equality, IN or BETWEEN gives both). */
function dtBounds(scan: Scan, relations: number): Set<string> {
  const bounds = new Set<string>();
  for (const c of conjuncts(scan.where)) {
    if (c.type !== 'binary_expr') continue;
    const op = String(c.operator).toUpperCase();
    const [dtLeft, dtRight] = [isDtOf(c.left, scan, relations), isDtOf(c.right, scan, relations)];
    const other = dtLeft ? c.right : c.left;
    if ((!dtLeft && !dtRight) || referencesColumns(other)) continue;
    if (['=', 'IN', 'BETWEEN'].includes(op)) bounds.add('lower').add('upper');
    else if (['>=', '>'].includes(op)) bounds.add(dtLeft ? 'lower' : 'upper');
    else if (['<=', '<'].includes(op)) bounds.add(dtLeft ? 'upper' : 'lower');
  }
  return bounds;
}

/** The views (queries/views) that read the events, directly or through another view; and `events` itself. */
function eventRelations(): Set<string> {
  const reads = new Map<string, Set<string>>();
  for (const file of sqlFiles('views')) {
    const name = /CREATE\s+OR\s+REPLACE\s+VIEW\s+(\w+)/i.exec(
      readFileSync(join(QUERIES_DIR, file), 'utf8'),
    )?.[1];
    if (!name) throw new Error(`${file}: no CREATE OR REPLACE VIEW`);
    reads.set(name.toLowerCase(), new Set(scans(parse(file)).map((s) => s.table)));
  }
  const relations = new Set(['events']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [view, tables] of reads) {
      if (!relations.has(view) && [...tables].some((t) => relations.has(t))) {
        relations.add(view);
        grew = true;
      }
    }
  }
  return relations;
}

/** A report's scans of the events without a lower and an upper dt bound, as `relation (missing bounds)`. */
function unboundedScans(file: string, relations: Set<string>): string[] {
  const all = scans(parse(file));
  return all
    .filter((scan) => relations.has(scan.table))
    .flatMap((scan) => {
      const siblings = all.filter((s) => s.where === scan.where).length;
      const bounds = dtBounds(scan, siblings);
      const missing = ['lower', 'upper'].filter((b) => !bounds.has(b));
      return missing.length === 0 ? [] : [`${scan.table} (no ${missing.join(' or ')} dt bound)`];
    });
}

describe('report queries bound every scan of the events by dt', () => {
  const relations = eventRelations();
  const reports = sqlFiles('reports');

  it('knows which views read the events', () => {
    for (const view of ['events_dedup', 'feature_usage_daily', 'request_usage', 'request_cost']) {
      expect(relations, view).toContain(view);
    }
    for (const view of ['price_book', 'cost_lines', 'revenue_effective'])
      expect(relations, view).not.toContain(view);
  });

  it('finds a missing, one-sided, OR-ed or other-relation dt bound', () => {
    const check = (sql: string) => {
      const all = scans(astOf(sql));
      return all.map((scan) => [...dtBounds(scan, all.filter((s) => s.where === scan.where).length)].sort());
    };
    expect(check('SELECT 1 FROM events_dedup WHERE dt >= ? AND dt < ?')).toEqual([['lower', 'upper']]);
    expect(check('SELECT 1 FROM events_dedup e WHERE ? <= e.dt AND e.dt = ?')).toEqual([['lower', 'upper']]);
    expect(check('SELECT 1 FROM events_dedup WHERE dt BETWEEN ? AND ?')).toEqual([['lower', 'upper']]);
    expect(check('SELECT 1 FROM events_dedup WHERE dt >= ?')).toEqual([['lower']]);
    expect(check('SELECT 1 FROM events_dedup WHERE dt >= ? OR dt < ?')).toEqual([[]]);
    expect(check('SELECT 1 FROM events_dedup WHERE dt >= received_at')).toEqual([[]]);
    expect(check('SELECT 1 FROM events_dedup')).toEqual([[]]);
    expect(
      check('SELECT 1 FROM events_dedup e JOIN request_cost c ON c.dt = e.dt WHERE e.dt >= ? AND e.dt < ?'),
    ).toEqual([['lower', 'upper'], []]);
    expect(check('WITH x AS (SELECT 1 FROM events WHERE dt = ?) SELECT * FROM x')).toEqual([
      ['lower', 'upper'],
    ]);
  });

  it.each(reports)('%s', (file) => {
    expect(unboundedScans(file, relations)).toEqual([]);
  });
});
