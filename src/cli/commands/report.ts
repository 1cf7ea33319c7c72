import { LocalQueryEngine } from '../../adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../adapters/duckdb/local-query-runner.ts';
import { FsPromptRegistry } from '../../adapters/local/fs-prompt-registry.ts';
import { openLocalLake } from '../../local/local-lake.ts';
import { governanceReport } from '../../reports/governance-report.ts';
import { marginJson, marginReport } from '../../reports/margin-report.ts';
import { formatMoney, formatWhole } from '../../reports/money.ts';
import { parseMonth } from '../../reports/month.ts';
import { marginCsv, marginHtml, marginTable } from '../../reports/render-margin.ts';
import { wasteCsv, wasteHtml, wasteTable } from '../../reports/render-waste.ts';
import { wasteReport } from '../../reports/waste-report.ts';
import { LAKE_OPTION, lakeDir, oneOf, parseCommand } from '../args.ts';
import { UsageError } from '../errors.ts';
import { renderCsv, renderTable } from '../format/table.ts';
import type { Io } from '../main.ts';

const FORMATS = ['table', 'json', 'csv'] as const;
const OPTIONS = {
  ...LAKE_OPTION,
  month: { type: 'string' },
  format: { type: 'string', default: 'table' },
} as const;

function monthOption(command: string, value: string | undefined) {
  if (value === undefined) throw new UsageError(`${command} needs --month YYYY-MM`);
  const month = parseMonth(value);
  if (!month) throw new UsageError(`--month ${JSON.stringify(value)} is not YYYY-MM`);
  return month;
}

/**
 * `report margin --month YYYY-MM`: per (cohort, feature) margin with the month's totals. Prints the chosen
 * format and writes JSON, CSV and HTML under reports/margin/<month>/ in the lake.
 */
export async function reportMarginCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('report margin', argv, OPTIONS);
  if (positionals.length > 0)
    throw new UsageError(`report margin takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  const month = monthOption('report margin', values.month);
  const dir = lakeDir(values.lake, true);
  const engine = await LocalQueryEngine.open(dir);
  try {
    const report = await marginReport(new LocalQueryRunner(engine), month);
    const json = marginJson(report);
    const lake = openLocalLake(dir);
    const base = `reports/margin/${month.month}/margin`;
    await lake.put(`${base}.json`, Buffer.from(`${JSON.stringify(json, null, 2)}\n`), 'application/json');
    await lake.put(`${base}.csv`, Buffer.from(marginCsv(json)), 'text/csv');
    await lake.put(`${base}.html`, Buffer.from(marginHtml(json)), 'text/html');
    if (format === 'json') out.write(`${JSON.stringify(json, null, 2)}\n`);
    else if (format === 'csv') out.write(marginCsv(json));
    else out.write(marginTable(json));
    if (report.unpricedRequests > 0) {
      err.write(
        `note: ${report.unpricedRequests} requests used models with no invoice line and no price: costed at 0\n`,
      );
    }
    err.write(`reports written: ${dir}/${base}.{json,csv,html}\n`);
    return 0;
  } finally {
    engine.close();
  }
}

/** `report reconciliation --month YYYY-MM`: the invoice buckets of the month and how they were allocated. */
export async function reportReconciliationCommand(argv: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parseCommand('report reconciliation', argv, OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`report reconciliation takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const format = oneOf('format', values.format, FORMATS);
  const month = monthOption('report reconciliation', values.month);
  const engine = await LocalQueryEngine.open(lakeDir(values.lake, true));
  try {
    const rows = await new LocalQueryRunner(engine).run('reports/reconciliation.sql', [
      month.from,
      month.to,
      month.from,
      month.to,
    ]);
    if (format === 'json') {
      out.write(`${JSON.stringify({ month: month.month, currency: 'USD', buckets: rows }, null, 2)}\n`);
      return 0;
    }
    const columns = Object.keys(rows[0] ?? {});
    if (format === 'csv') {
      out.write(
        renderCsv(
          columns,
          rows.map((r) => columns.map((c) => r[c])),
        ),
      );
      return 0;
    }
    const n = (v: unknown) => (typeof v === 'number' ? v : null);
    out.write(
      `Invoice buckets of ${month.month} (USD): billed = allocated + unallocated\n\n${renderTable(
        [
          { label: 'provider', value: (r) => String(r.provider) },
          { label: 'model', value: (r) => String(r.model) },
          { label: 'usage', value: (r) => String(r.usage_type) },
          { label: 'period start', value: (r) => String(r.charge_period_start).slice(0, 10) },
          { label: 'billed', value: (r) => formatMoney(n(r.billed)), align: 'right' },
          { label: 'invoice qty', value: (r) => formatWhole(n(r.invoice_quantity)), align: 'right' },
          { label: 'telemetry qty', value: (r) => formatWhole(n(r.telemetry_quantity)), align: 'right' },
          {
            label: '$/Mtok',
            value: (r) => formatMoney(n(r.unit_cost) === null ? null : (n(r.unit_cost) as number) * 1e6, 4),
            align: 'right',
          },
          { label: 'allocated', value: (r) => formatMoney(n(r.allocated)), align: 'right' },
          { label: 'unallocated', value: (r) => formatMoney(n(r.unallocated)), align: 'right' },
        ],
        rows,
      )}\n(${rows.length} buckets)\n`,
    );
    return 0;
  } finally {
    engine.close();
  }
}

function dayOption(name: string, value: string | undefined, command = 'report waste'): string {
  if (value === undefined) throw new UsageError(`${command} needs --${name} YYYY-MM-DD`);
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(ms) ||
    new Date(ms).toISOString().slice(0, 10) !== value
  ) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  }
  return value;
}

/**
 * `report waste --from D --to D` (to exclusive): the cancellation tax per feature, provider and model, and
 * the features whose stop button does not reach the provider. Writes JSON, CSV and HTML under
 * reports/waste/<from>_<to>/.
 */
export async function reportWasteCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('report waste', argv, {
    ...LAKE_OPTION,
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string', default: 'table' },
  });
  if (positionals.length > 0)
    throw new UsageError(`report waste takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  const from = dayOption('from', values.from);
  const to = dayOption('to', values.to);
  if (to <= from)
    throw new UsageError(`--to ${JSON.stringify(to)} is not after --from ${JSON.stringify(from)}`);
  const dir = lakeDir(values.lake, true);
  const engine = await LocalQueryEngine.open(dir);
  try {
    const report = await wasteReport(new LocalQueryRunner(engine), from, to);
    const lake = openLocalLake(dir);
    const base = `reports/waste/${from}_${to}/waste`;
    await lake.put(`${base}.json`, Buffer.from(`${JSON.stringify(report, null, 2)}\n`), 'application/json');
    await lake.put(`${base}.csv`, Buffer.from(wasteCsv(report)), 'text/csv');
    await lake.put(`${base}.html`, Buffer.from(wasteHtml(report)), 'text/html');
    if (format === 'json') out.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'csv') out.write(wasteCsv(report));
    else out.write(wasteTable(report));
    err.write(`reports written: ${dir}/${base}.{json,csv,html}\n`);
    return 0;
  } finally {
    engine.close();
  }
}

/**
 * `report governance --from D --to D` (to exclusive): every prompt version that served traffic, checked against
 * the prompt registry (DESIGN §7). Writes JSON, CSV and HTML under reports/governance/<from>_<to>/.
 */
export async function reportGovernanceCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('report governance', argv, {
    ...LAKE_OPTION,
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string', default: 'table' },
  });
  if (positionals.length > 0) {
    throw new UsageError(`report governance takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const format = oneOf('format', values.format, FORMATS);
  const from = dayOption('from', values.from, 'report governance');
  const to = dayOption('to', values.to, 'report governance');
  if (to <= from)
    throw new UsageError(`--to ${JSON.stringify(to)} is not after --from ${JSON.stringify(from)}`);
  const dir = lakeDir(values.lake, true);
  const engine = await LocalQueryEngine.open(dir);
  try {
    const report = await governanceReport(new LocalQueryRunner(engine), new FsPromptRegistry(dir), from, to);
    const header = [
      'rule',
      'severity',
      'prompt_id',
      'prompt_version',
      'requests',
      'first_seen',
      'last_seen',
    ] as const;
    const csv = renderCsv(
      header,
      report.findings.map((f) => header.map((k) => f[k])),
    );
    const lake = openLocalLake(dir);
    const base = `reports/governance/${from}_${to}/governance`;
    await lake.put(`${base}.json`, Buffer.from(`${JSON.stringify(report, null, 2)}\n`), 'application/json');
    await lake.put(`${base}.csv`, Buffer.from(csv), 'text/csv');
    const table = renderTable(
      [
        { label: 'severity', value: (f: (typeof report.findings)[number]) => f.severity },
        { label: 'rule', value: (f) => f.rule },
        { label: 'prompt', value: (f) => `${f.prompt_id}@${f.prompt_version}` },
        { label: 'requests', value: (f) => formatWhole(f.requests), align: 'right' },
        { label: 'first seen', value: (f) => f.first_seen.slice(0, 16).replace('T', ' ') },
        { label: 'last seen', value: (f) => f.last_seen.slice(0, 16).replace('T', ' ') },
      ],
      report.findings,
    );
    const s = report.summary;
    const text = `Prompt-deploy governance, ${from} to ${to} (exclusive)\n\n${table}\n\n  versions seen ${s.versions_seen}, with findings ${s.versions_with_findings}; requests ${formatWhole(s.requests)}, with findings ${formatWhole(s.requests_with_findings)}\n`;
    await lake.put(
      `${base}.html`,
      Buffer.from(
        `<!doctype html><html><head><meta charset="utf-8"><title>governance</title></head><body style="font-family:Arial,sans-serif"><pre>${text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre></body></html>\n`,
      ),
      'text/html',
    );
    if (format === 'json') out.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'csv') out.write(csv);
    else out.write(text);
    err.write(`reports written: ${dir}/${base}.{json,csv,html}\n`);
    return 0;
  } finally {
    engine.close();
  }
}
