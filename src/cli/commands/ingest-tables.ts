import { openLocalLake } from '../../adapters/local/local-lake.ts';
import { COST_COLUMNS } from '../../core/costs/cost-columns.ts';
import { INVOICE_FORMATS, type InvoiceFormat } from '../../core/costs/cost-line.ts';
import { normaliseInvoice } from '../../core/costs/normalise/index.ts';
import { DataFileError } from '../../core/data-file-error.ts';
import { PRICE_COLUMNS, parsePriceBook } from '../../core/prices/price-book.ts';
import { parseRevenue, REVENUE_COLUMNS } from '../../core/revenue/revenue.ts';
import { type ImportResult, importRows } from '../../jobs/import-table.ts';
import { formatMoney } from '../../reports/money.ts';
import { LAKE_OPTION, lakeDir, oneOf, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import { readText } from '../input.ts';
import type { Io } from '../io.ts';

/** `ingest invoice FILE --format F`: a provider export, normalised into cost lines under costs/<format>/. */
export async function ingestInvoiceCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('ingest invoice', argv, {
    ...LAKE_OPTION,
    format: { type: 'string' },
  });
  const file = onlyFile('ingest invoice FILE --format openai-costs|anthropic-cost-report|focus', positionals);
  if (values.format === undefined)
    throw new UsageError(`ingest invoice needs --format (${INVOICE_FORMATS.join(', ')})`);
  const format = oneOf<InvoiceFormat>('format', values.format, INVOICE_FORMATS);
  const text = await readText(file);
  const now = Date.now();
  // Reports are in USD: a line in another currency is refused where the file holds it.
  const lines = asData(() => normaliseInvoice(text, format, file, { usdOnly: true }));
  const rows = lines.map((l) => ({ ...l, ingested_at: now }));
  const result = await importRows(
    openLocalLake(lakeDir(values.lake)),
    `costs/${format}`,
    text,
    COST_COLUMNS,
    rows,
  );
  const billed = lines.reduce((s, l) => s + l.billed_cost, 0);
  const other = lines.filter((l) => l.usage_type === 'other').length;
  report(
    io,
    file,
    result,
    `${lines.length} lines, billed $${formatMoney(billed)}${other ? `, ${other} not tokens (usage_type other)` : ''}`,
  );
  return 0;
}

/** `ingest prices FILE`: price book rows that add to or override the default price book. */
export async function ingestPricesCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('ingest prices', argv, LAKE_OPTION);
  const file = onlyFile('ingest prices FILE', positionals);
  const text = await readText(file);
  const rows = asData(() => parsePriceBook(text, file, Date.now()));
  const result = await importRows(openLocalLake(lakeDir(values.lake)), 'prices', text, PRICE_COLUMNS, rows);
  report(io, file, result, `${rows.length} prices`);
  return 0;
}

/** `ingest revenue FILE`: revenue per month and customer; a later file restates a customer's month. */
export async function ingestRevenueCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('ingest revenue', argv, LAKE_OPTION);
  const file = onlyFile('ingest revenue FILE', positionals);
  const text = await readText(file);
  const rows = asData(() => parseRevenue(text, file, Date.now()));
  const result = await importRows(
    openLocalLake(lakeDir(values.lake)),
    'revenue',
    text,
    REVENUE_COLUMNS,
    rows,
  );
  const total = rows.reduce((s, r) => s + r.amount, 0);
  report(io, file, result, `${rows.length} rows, $${formatMoney(total)}`);
  return 0;
}

function onlyFile(usage: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError(`usage: tokenledger ${usage}`);
  if (positionals.length > 1)
    throw new UsageError(
      `takes one FILE, got also ${JSON.stringify(positionals[1])}; usage: tokenledger ${usage}`,
    );
  return positionals[0] as string;
}

/** A file refused by its parser is bad data (exit 1), named by file, position and field. */
function asData<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof DataFileError) throw new DataError(err.message);
    throw err;
  }
}

function report(io: Io, file: string, result: ImportResult, what: string): void {
  io.out.write(
    result.status === 'exists'
      ? `${file}: already imported (${result.key}); nothing changed\n`
      : `${file}: ${what} → ${result.key}\n`,
  );
}
