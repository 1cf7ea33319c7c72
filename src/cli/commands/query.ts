import { LocalQueryEngine, ReadOnlyQueryError } from '../../adapters/duckdb/local-query-engine.ts';
import { renderCsv, renderTable } from '../../reports/table-format.ts';
import { LAKE_OPTION, lakeDir, oneOf, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';

const FORMATS = ['table', 'json', 'csv'] as const;

/** `tokenledger query "SQL"`: one read-only statement over the local lake's tables and views. */
export async function queryCommand(argv: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parseCommand('query', argv, {
    ...LAKE_OPTION,
    format: { type: 'string', default: 'table' },
  });
  const format = oneOf('format', values.format, FORMATS);
  const usage = 'usage: tokenledger query "SQL" [--format table|json|csv] [--lake DIR]';
  if (positionals.length === 0) throw new UsageError(usage);
  if (positionals.length > 1) {
    throw new UsageError(
      `query takes one SQL argument, got also ${JSON.stringify(positionals[1])}; ${usage}`,
    );
  }
  const engine = await LocalQueryEngine.open(lakeDir(values.lake, true));
  try {
    const { columns, rows } = await engine.query(positionals[0] as string);
    if (format === 'json') out.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (format === 'csv')
      out.write(
        renderCsv(
          columns,
          rows.map((r) => columns.map((c) => r[c])),
        ),
      );
    else {
      const table = columns.map((c) => ({ label: c, value: (r: Record<string, unknown>) => show(r[c]) }));
      out.write(`${renderTable(table, rows)}\n(${rows.length} rows)\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ReadOnlyQueryError) throw new UsageError(err.message);
    throw new DataError(`query: ${(err as Error).message}`);
  } finally {
    engine.close();
  }
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
