import { join } from 'node:path';
import { LocalQueryEngine } from '../../adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../adapters/duckdb/local-query-runner.ts';
import { FsDeliveryLedger } from '../../adapters/local/fs-delivery-ledger.ts';
import { FsPromptRegistry } from '../../adapters/local/fs-prompt-registry.ts';
import { openLocalLake } from '../../adapters/local/local-lake.ts';
import { OutboxMailSender } from '../../adapters/local/outbox-mail-sender.ts';
import { OutboxNotifier } from '../../adapters/local/outbox-notifier.ts';
import { parseAddresses } from '../../email/report-email.ts';
import { rollUpLocalLake } from '../../jobs/local-rollup.ts';
import { runReportJob } from '../../jobs/report-job.ts';
import {
  ALERT_CLI_OPTIONS,
  type AlertThresholds,
  parseAlertThresholds,
  RUNS_SETTINGS,
} from '../../reports/alert-settings.ts';
import {
  DEPLOY_CHANGE_CLI_OPTIONS,
  parseDeployChangeThresholds,
} from '../../reports/deploy-change-settings.ts';
import type { DeployChangeThresholds } from '../../reports/deploy-changes.ts';
import { EmptyMonthError } from '../../reports/margin-report.ts';
import { csvMoney, csvPercent, formatMoney, formatPercent, formatWhole } from '../../reports/money.ts';
import { parseMonth } from '../../reports/month.ts';
import { numericSettingOptions, parseNumericSettings, SettingError } from '../../reports/numeric-settings.ts';
import { reportFiles, reportPrefix } from '../../reports/report-document.ts';
import {
  type DocumentKind,
  dayRange,
  monthPeriod,
  nextDay,
  parseDay,
  type ReportPeriod,
  rollupDaysOf,
} from '../../reports/report-period.ts';
import { DEFAULT_RUNAWAY_FACTOR } from '../../reports/runs-report.ts';
import { renderCsv, renderTable } from '../../reports/table-format.ts';
import { LAKE_OPTION, lakeDir, oneOf, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';

const FORMATS = ['table', 'json', 'csv'] as const;
/** Where `--email` addresses the local `.eml` when neither the option nor TOKENLEDGER_MAIL_TO/_FROM says. */
const DEFAULT_MAIL_TO = 'finance@example.com';
const DEFAULT_MAIL_FROM = 'tokenledger@example.com';
const EMAIL_OPTIONS = {
  email: { type: 'boolean', default: false },
  'mail-to': { type: 'string' },
  'mail-from': { type: 'string' },
} as const;
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
 * format and writes JSON, CSV and HTML under reports/margin/<month>/ in the lake (and, with --email, the email).
 */
export async function reportMarginCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('report margin', argv, { ...OPTIONS, ...EMAIL_OPTIONS });
  if (positionals.length > 0)
    throw new UsageError(`report margin takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  const month = monthOption('report margin', values.month);
  return runLocalReport('margin', monthPeriod(month), format, values, {}, io);
}

/**
 * `report customers --month YYYY-MM`: per customer requests, cost, revenue and margin, the share of the month's
 * cost each takes and how concentrated it is. Writes JSON, CSV and HTML under reports/customers/<month>/.
 */
export async function reportCustomersCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('report customers', argv, { ...OPTIONS, ...EMAIL_OPTIONS });
  if (positionals.length > 0)
    throw new UsageError(`report customers takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  const month = monthOption('report customers', values.month);
  return runLocalReport('customers', monthPeriod(month), format, values, {}, io);
}

/**
 * `report runs --from D --to D [--runaway-factor F]` (to exclusive): per feature, the runs (requests sharing a
 * trace id), their size and cost per run, escalations, and the runaway runs. Writes JSON, CSV and HTML under
 * reports/runs/<from>_<to>/.
 */
export async function reportRunsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('report runs', argv, {
    ...RANGE_OPTIONS,
    ...numericSettingOptions(RUNS_SETTINGS),
  });
  if (positionals.length > 0)
    throw new UsageError(`report runs takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  const period = rangeOptions('report runs', values);
  // the same rule as report alerts' --runaway-factor (blank: the default)
  const { runaway_factor } = cliSettings(() =>
    parseNumericSettings(RUNS_SETTINGS, values, 'cli', (name) => `--${name}`),
  );
  const runawayFactor = runaway_factor ?? DEFAULT_RUNAWAY_FACTOR;
  return runLocalReport('runs', period, format, values, { runawayFactor }, io);
}

/**
 * `report alerts --day D [--factor K] [--min-cost USD] [--critical-cost USD] [--runaway-factor F]`: the spend
 * alerts of one UTC day, as the scheduled alerts job makes them. Writes JSON, CSV and HTML under
 * reports/alerts/<day>_<next day>/; with --email, the email (only when something is flagged) and, for critical
 * findings, the page (outbox/<id>.page.txt, what SNS would carry).
 */
export async function reportAlertsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('report alerts', argv, {
    ...LAKE_OPTION,
    ...EMAIL_OPTIONS,
    day: { type: 'string' },
    format: { type: 'string', default: 'table' },
    ...ALERT_CLI_OPTIONS,
  });
  if (positionals.length > 0)
    throw new UsageError(`report alerts takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  const day = dayOption('day', values.day, 'report alerts');
  const alertThresholds = cliSettings(() => parseAlertThresholds(values, 'cli'));
  return runLocalReport('alerts', dayRange(day, nextDay(day)), format, values, { alertThresholds }, io);
}

const BY = ['provider', 'day'] as const;

/** A number from a query row (DuckDB's BIGINT may arrive as a string); null stays null. */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * `report reconciliation --month YYYY-MM [--by provider|day]`: the month's invoices and how they were allocated —
 * rolled up per provider (default), or per invoice bucket and day with `--by day`. The JSON carries both (the
 * `buckets` as before, then `providers` and `totals`).
 */
export async function reportReconciliationCommand(argv: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parseCommand('report reconciliation', argv, {
    ...OPTIONS,
    by: { type: 'string', default: 'provider' },
  });
  if (positionals.length > 0) {
    throw new UsageError(`report reconciliation takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const format = oneOf('format', values.format, FORMATS);
  const by = oneOf('by', values.by, BY);
  const month = monthOption('report reconciliation', values.month);
  const engine = await LocalQueryEngine.open(lakeDir(values.lake, true));
  try {
    // Late events reach the report: the month's days not rolled up, or rolled up before events arrived, first.
    await rollUpLocalLake(engine, { days: rollupDaysOf(month) });
    const runner = new LocalQueryRunner(engine);
    const bounds = [month.from, month.to];
    const [rows, providers] = await Promise.all([
      runner.run('reports/reconciliation.sql', [...bounds, ...bounds]),
      runner.run('reports/reconciliation_providers.sql', [...bounds, ...bounds, ...bounds]),
    ]);
    const sum = (key: string) => providers.reduce((n, p) => n + (num(p[key]) ?? 0), 0);
    const totals = {
      billed: sum('billed'),
      allocated: sum('allocated'),
      unallocated: sum('unallocated'),
      estimated: sum('estimated'),
      coverage: sum('billed') === 0 ? null : sum('allocated') / sum('billed'),
    };
    if (format === 'json') {
      const json = { month: month.month, currency: 'USD', buckets: rows, providers, totals };
      out.write(`${JSON.stringify(json, null, 2)}\n`);
      return 0;
    }
    if (by === 'provider') {
      const total = {
        provider: 'total',
        invoice_lines: sum('invoice_lines'),
        requests: sum('requests'),
        ...totals,
      };
      if (format === 'csv') {
        const money = (v: unknown) => csvMoney(num(v));
        out.write(
          renderCsv(
            PROVIDER_COLUMNS,
            [...providers, total].map((p) => [
              p.provider,
              num(p.invoice_lines),
              num(p.requests),
              money(p.billed),
              money(p.allocated),
              money(p.unallocated),
              csvPercent(num(p.coverage)),
              money(p.estimated),
            ]),
          ),
        );
        return 0;
      }
      const money = (key: string) => (r: Record<string, unknown>) => formatMoney(num(r[key]));
      out.write(
        `Invoices of ${month.month} per provider (USD): billed = allocated + unallocated; estimated = requests no invoice line covers\n\n${renderTable<
          Record<string, unknown>
        >(
          [
            { label: 'provider', value: (r) => String(r.provider) },
            { label: 'invoice lines', value: (r) => formatWhole(num(r.invoice_lines)), align: 'right' },
            { label: 'requests', value: (r) => formatWhole(num(r.requests)), align: 'right' },
            { label: 'billed', value: money('billed'), align: 'right' },
            { label: 'allocated', value: money('allocated'), align: 'right' },
            { label: 'unallocated', value: money('unallocated'), align: 'right' },
            { label: 'coverage', value: (r) => formatPercent(num(r.coverage)), align: 'right' },
            { label: 'estimated', value: money('estimated'), align: 'right' },
          ],
          [...providers, total],
        )}\n(${providers.length} provider${providers.length === 1 ? '' : 's'}; per invoice bucket and day: --by day)\n`,
      );
      return 0;
    }
    // The §7 reconciliation columns, also when the month has no bucket (a header and a total line, not nothing).
    const columns = rows[0] ? Object.keys(rows[0]) : [...RECONCILIATION_COLUMNS];
    if (format === 'csv') {
      const total: Record<string, unknown> = { provider: 'total', ...totals };
      out.write(
        renderCsv(
          columns,
          [...rows, total].map((r) =>
            columns.map((c) => (CENTS_COLUMNS.has(c) ? csvMoney(num(r[c])) : c in r ? r[c] : null)),
          ),
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
          { label: 'tier', value: (r) => String(r.service_tier) },
          { label: 'context', value: (r) => String(r.context_tier) },
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
      )}\n(${rows.length} buckets; billed ${formatMoney(totals.billed)}, allocated ${formatMoney(totals.allocated)}, unallocated ${formatMoney(totals.unallocated)}, estimated ${formatMoney(totals.estimated)})\n`,
    );
    return 0;
  } finally {
    engine.close();
  }
}

/** The per-provider CSV's columns; its last line is the `total` row. */
const PROVIDER_COLUMNS = [
  'provider',
  'invoice_lines',
  'requests',
  'billed',
  'allocated',
  'unallocated',
  'coverage',
  'estimated',
] as const;
/** The money columns of the per-bucket CSV, rounded to the cent (unit costs and list prices are not). */
/** The columns of reports/reconciliation.sql, in order (docs/contracts.md §7). */
const RECONCILIATION_COLUMNS = [
  'provider',
  'model',
  'usage_type',
  'service_tier',
  'context_tier',
  'charge_period_start',
  'charge_period_end',
  'invoice_lines',
  'billed',
  'invoice_quantity',
  'list_price',
  'quantity',
  'telemetry_quantity',
  'unit_cost',
  'allocated',
  'unallocated',
] as const;

const CENTS_COLUMNS = new Set(['billed', 'allocated', 'unallocated']);

function dayOption(name: string, value: string | undefined, command: string): string {
  if (value === undefined) throw new UsageError(`${command} needs --${name} YYYY-MM-DD`);
  if (parseDay(value) === null)
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  return value;
}

const RANGE_OPTIONS = {
  ...LAKE_OPTION,
  ...EMAIL_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string', default: 'table' },
} as const;

function rangeOptions(command: string, values: { from?: string | undefined; to?: string | undefined }) {
  const from = dayOption('from', values.from, command);
  const to = dayOption('to', values.to, command);
  if (to <= from)
    throw new UsageError(`--to ${JSON.stringify(to)} is not after --from ${JSON.stringify(from)}`);
  return dayRange(from, to);
}

/**
 * `report waste --from D --to D` (to exclusive): the cancellation tax per feature, provider and model, and
 * the features whose stop button does not reach the provider. Writes JSON, CSV and HTML under
 * reports/waste/<from>_<to>/ (and, with --email, the email).
 */
export async function reportWasteCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('report waste', argv, RANGE_OPTIONS);
  if (positionals.length > 0)
    throw new UsageError(`report waste takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const format = oneOf('format', values.format, FORMATS);
  return runLocalReport('waste', rangeOptions('report waste', values), format, values, {}, io);
}

/**
 * `report governance --from D --to D` (to exclusive): every prompt version that served traffic, checked against
 * the prompt registry (docs/contracts.md §7), and what each deploy of the period changed. Writes JSON, CSV and HTML under
 * reports/governance/<from>_<to>/ (and, with --email, the email).
 */
export async function reportGovernanceCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('report governance', argv, {
    ...RANGE_OPTIONS,
    ...DEPLOY_CHANGE_CLI_OPTIONS,
  });
  if (positionals.length > 0) {
    throw new UsageError(`report governance takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  const format = oneOf('format', values.format, FORMATS);
  const period = rangeOptions('report governance', values);
  const thresholds = thresholdOptions(values);
  return runLocalReport('governance', period, format, values, { thresholds }, io);
}

/** `--change-threshold`, `--rate-threshold`, `--min-requests`: the rules shared with the Lambda and the CDK app. */
function thresholdOptions(values: object): Partial<DeployChangeThresholds> {
  return cliSettings(() => parseDeployChangeThresholds(values, 'cli'));
}

/** Settings read from options: a bad one (a SettingError, naming it and quoting its value) is a usage error. */
function cliSettings<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SettingError) throw new UsageError(e.message);
    throw e;
  }
}

interface EmailValues {
  lake: string;
  email?: boolean | undefined;
  'mail-to'?: string | undefined;
  'mail-from'?: string | undefined;
}

function addresses(values: EmailValues): { from: string; to: string[] } {
  try {
    const to = parseAddresses(
      values['mail-to'] ?? process.env.TOKENLEDGER_MAIL_TO ?? DEFAULT_MAIL_TO,
      '--mail-to',
    );
    const from = parseAddresses(
      values['mail-from'] ?? process.env.TOKENLEDGER_MAIL_FROM ?? DEFAULT_MAIL_FROM,
      '--mail-from',
    );
    if (to.length === 0) throw new Error('--mail-to: no recipients');
    if (from.length !== 1) throw new Error(`--mail-from: one sender, got ${from.length}`);
    return { from: from[0] as string, to };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * A report through the same job the scheduled Lambdas run, over the local lake: DuckDB for Athena, the lake
 * folder for S3 and the registry, `<lake>/outbox/` for SES. Prints the report in `format`.
 */
async function runLocalReport(
  kind: DocumentKind,
  period: ReportPeriod,
  format: (typeof FORMATS)[number],
  values: EmailValues,
  settings: {
    thresholds?: Partial<DeployChangeThresholds>;
    runawayFactor?: number;
    alertThresholds?: Partial<AlertThresholds>;
  },
  { out, err }: Io,
): Promise<number> {
  const dir = lakeDir(values.lake, true);
  const mail = values.email ? addresses(values) : undefined;
  const engine = await LocalQueryEngine.open(dir);
  try {
    const result = await runReportJob(kind, period, {
      refuseEmptyMonth: true,
      queries: new LocalQueryRunner(engine),
      registry: new FsPromptRegistry(dir),
      lake: openLocalLake(dir),
      ...(settings.thresholds ? { deployChangeThresholds: settings.thresholds } : {}),
      ...(settings.runawayFactor === undefined ? {} : { runawayFactor: settings.runawayFactor }),
      ...(settings.alertThresholds ? { alertThresholds: settings.alertThresholds } : {}),
      // Late events reach the report: the days it reads not rolled up, or rolled up before events arrived, first.
      refreshRollups: (p) => rollUpLocalLake(engine, { days: rollupDaysOf(p) }),
      ...(mail
        ? {
            mail: { ...mail, sender: new OutboxMailSender(dir), ledger: new FsDeliveryLedger(dir) },
            pager: { notifier: new OutboxNotifier(dir), ledger: new FsDeliveryLedger(dir) },
          }
        : {}),
    });
    const { doc } = result;
    if (format === 'json') out.write(`${JSON.stringify(doc.json, null, 2)}\n`);
    else if (format === 'csv') out.write(doc.csv[0]?.body ?? '');
    else out.write(doc.text);
    for (const note of result.notes) err.write(`warning: ${note}\n`);
    err.write(
      `reports written: ${join(dir, reportPrefix(doc))}{${reportFiles(doc)
        .map((f) => f.name)
        .join(',')}}\n`,
    );
    const eml = join(dir, 'outbox', `${doc.id}.eml`);
    if (result.email.status === 'nothing-to-send' && mail) {
      err.write(`no email: nothing flagged in ${doc.id}\n`);
    }
    if (result.paged.status === 'sent') {
      err.write(`page written: ${join(dir, 'outbox', `${doc.id}.page.txt`)}\n`);
    }
    if (result.email.status === 'sent') err.write(`email written: ${eml}\n`);
    else if (result.email.status === 'already-sent') {
      err.write(`email not written again: ${doc.id} was emailed at ${result.email.sentAt} (${eml})\n`);
    } else if (result.email.status === 'in-progress') {
      err.write(
        `email not written: another run claimed ${doc.id} at ${result.email.claimedAt} and has not finished; try again later\n`,
      );
      return 1;
    }
    return 0;
  } catch (e) {
    // A month without data is a data problem (exit 1), said in one line, and nothing was written.
    if (e instanceof EmptyMonthError)
      throw new DataError(`report ${kind} --month ${period.label}: ${e.message}`);
    throw e;
  } finally {
    engine.close();
  }
}
