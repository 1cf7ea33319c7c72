import { type QueryFile, viewName } from '../../src/queries/query-files.ts';

/** The tables and views some queries read, directly or through the views they select from. */
export interface QueryReads {
  readonly tables: readonly string[];
  readonly views: readonly string[];
}

/** The SQL without its `--` comments (a comment may name a table the query does not read). */
const code = (sql: string) => sql.replace(/--[^\n]*/g, ' ');

/**
 * Which of `tableNames` and of the views of `viewFiles` the `queries` read: every name that occurs as a word in
 * their SQL (comments aside), and, for each view found, in the view's own definition, until nothing new turns up.
 * A name that merely occurs (an alias spelt like a table) is granted too: the set can be too large, never too
 * small — the grants of a role whose queries must not fail in production for a missing catalog entry.
 */
export function queryReads(
  queries: readonly QueryFile[],
  viewFiles: readonly QueryFile[],
  tableNames: readonly string[],
): QueryReads {
  const views = new Map(viewFiles.map((v) => [viewName(v.sql), code(v.sql)]));
  const names = [...tableNames, ...views.keys()];
  const found = new Set<string>();
  const pending = queries.map((q) => code(q.sql));
  for (let sql = pending.pop(); sql !== undefined; sql = pending.pop()) {
    for (const name of names) {
      if (found.has(name) || !new RegExp(`\\b${name}\\b`, 'i').test(sql)) continue;
      found.add(name);
      const definition = views.get(name);
      if (definition !== undefined) pending.push(definition.replace(/^[\s\S]*?\bAS\b/i, ''));
    }
  }
  return {
    tables: tableNames.filter((t) => found.has(t)),
    views: [...views.keys()].filter((v) => found.has(v)),
  };
}
