import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Writable } from 'node:stream';
import { LocalQueryEngine } from '../../adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../adapters/duckdb/local-query-runner.ts';
import { FsDeliveryLedger } from '../../adapters/local/fs-delivery-ledger.ts';
import { FsPromptRegistry } from '../../adapters/local/fs-prompt-registry.ts';
import { openLocalLake } from '../../adapters/local/local-lake.ts';
import { OutboxMailSender } from '../../adapters/local/outbox-mail-sender.ts';
import { OutboxNotifier } from '../../adapters/local/outbox-notifier.ts';
import { noisyJumpAt } from '../../demo/catalogue.ts';
import { demoInvoices, UNINVOICED_MODEL } from '../../demo/invoices.ts';
import { OTEL_FEATURE, otlpRecords } from '../../demo/otlp-traffic.ts';
import { demoDeployRecords } from '../../demo/prompt-deploys.ts';
import { demoRevenue } from '../../demo/revenue.ts';
import { DEMO_HMAC_KEY, generateTraffic, type Traffic } from '../../demo/traffic.ts';
import { runLocalPipeline } from '../../jobs/local-pipeline.ts';
import { rollUpLocalLake } from '../../jobs/local-rollup.ts';
import { type ReportJobDependencies, runReportJob } from '../../jobs/report-job.ts';
import type { AlertThresholds } from '../../reports/alert-settings.ts';
import type { AlertsReport } from '../../reports/alerts-report.ts';
import { type CustomersReport, negativeMarginCustomers } from '../../reports/customers-report.ts';
import type { GovernanceReport } from '../../reports/governance-report.ts';
import type { MarginReport } from '../../reports/margin-report.ts';
import { formatMoney, formatPercent } from '../../reports/money.ts';
import { type Month, parseMonth } from '../../reports/month.ts';
import { alertsSummary, findingText } from '../../reports/render-alerts.ts';
import { customersSummary } from '../../reports/render-customers.ts';
import { governanceSummary } from '../../reports/render-governance.ts';
import { runsSummary } from '../../reports/render-runs.ts';
import { wasteSummary } from '../../reports/render-waste.ts';
import { dayRange, monthPeriod, nextDay, rollupDaysOf, utcDay } from '../../reports/report-period.ts';
import type { RunsReport } from '../../reports/runs-report.ts';
import { formatCount, renderTable } from '../../reports/table-format.ts';
import { unpropagated, type WasteReport } from '../../reports/waste-report.ts';
import { LAKE_OPTION, lakeDir, parseCommand, positiveInt } from '../args.ts';
import { UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { progressReporter } from '../progress.ts';
import { checkClient, summarise } from './ingest-events.ts';
import { ingestInvoiceCommand, ingestRevenueCommand } from './ingest-tables.ts';

/** Marks a lake the demo made, so that a second run may clear it and nothing else is ever cleared. */
const DEMO_MARKER = '.tokenledger-demo';

/** `tokenledger demo`: a realistic month through the whole local pipeline, then the numbers. */
export async function demoCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('demo', argv, {
    ...LAKE_OPTION,
    requests: { type: 'string' },
    // The option's first name, still taken.
    events: { type: 'string' },
    month: { type: 'string' },
    seed: { type: 'string', default: '42' },
  });
  if (positionals.length > 0)
    throw new UsageError(`demo takes no arguments, got ${JSON.stringify(positionals[0])}`);
  if (values.requests !== undefined && values.events !== undefined)
    throw new UsageError('give --requests or --events (the same option), not both');
  const requests =
    values.events === undefined
      ? positiveInt('requests', values.requests ?? '100000')
      : positiveInt('events', values.events);
  const seed = positiveInt('seed', values.seed);
  const month = values.month ?? lastFullMonth(new Date());
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
    throw new UsageError(`--month ${JSON.stringify(month)} is not YYYY-MM`);
  const lake = resolve(lakeDir(values.lake));
  await prepareDemoLake(lake);

  out.write(`tokenledger demo: ${formatCount(requests)} LLM requests of ${month}, lake ${lake}\n`);
  const generating = progressReporter('generate:', err);
  const traffic = generateTraffic({ month, requests, seed });
  generating.done(
    `${formatCount(traffic.items.length)} calls (${formatCount(traffic.duplicates)} retried duplicates, ${formatCount(traffic.malformed)} malformed lines)`,
  );

  const ingesting = progressReporter('pipeline:', err);
  // One team instruments its feature with OpenTelemetry: its calls reach the stream as OTLP spans.
  const otlp = otlpRecords(traffic.items);
  const result = await runLocalPipeline(
    openLocalLake(lake),
    (ledger) => {
      for (const item of traffic.items) {
        if (item.kind === 'line') ledger.recordLine(item.line);
        else if (item.input.feature !== OTEL_FEATURE) ledger.record(item.input);
      }
    },
    {
      hmacKey: DEMO_HMAC_KEY,
      records: otlp.records,
      onProgress: (phase, done) => ingesting.update(done, traffic.items.length, phase),
    },
  );
  ingesting.done(`${formatCount(result.events)} events`);
  out.write(
    `${summarise('demo app', result).join('\n')}\n` +
      `  ${OTEL_FEATURE} is instrumented with OpenTelemetry: ${formatCount(result.spans)} of the events are its spans, ` +
      `in ${formatCount(otlp.records.length)} OTLP records a Collector put (${formatCount(otlp.requests)} requests, ` +
      `${formatCount(otlp.resent)} spans resent)\n\n`,
  );
  checkClient(result);
  // The prompt deploys behind the month's traffic, as the teams' CI pipelines registered them.
  const registry = new FsPromptRegistry(lake);
  let registered = 0;
  for (const record of demoDeployRecords(month)) {
    if ((await registry.register(record)) === 'registered') registered++;
  }
  out.write(`prompt registry: ${registered} deploy records registered\n\n`);

  const engine = await LocalQueryEngine.open(lake);
  let inLakeRequests = 0;
  try {
    const days = parseMonth(month) as Month; // checked above
    const rows = await new LocalQueryRunner(engine).run('reports/feature_usage.sql', [days.from, days.to]);
    const inLake = rows.reduce((n, r) => n + Number(r.requests), 0);
    inLakeRequests = inLake;
    out.write(`Requests and tokens by feature and cohort (${month}, deduplicated):\n`);
    out.write(
      `${renderTable(
        [
          { label: 'feature', value: (r) => String(r.feature) },
          { label: 'cohort', value: (r) => String(r.cohort) },
          { label: 'requests', value: (r) => formatCount(r.requests), align: 'right' },
          { label: 'input_tokens', value: (r) => formatCount(r.input_tokens), align: 'right' },
          { label: 'cache_read', value: (r) => formatCount(r.cache_read_tokens), align: 'right' },
          { label: 'output_tokens', value: (r) => formatCount(r.output_tokens), align: 'right' },
          { label: 'cancelled', value: (r) => formatCount(r.cancelled), align: 'right' },
        ],
        rows,
      )}\n`,
    );
    out.write(`\n${formatCount(inLake)} distinct requests in the lake. Try:\n`);
    out.write(
      `  npx tokenledger query --lake ${values.lake} "SELECT model, count(*) FROM events_dedup GROUP BY 1"\n`,
    );
  } finally {
    engine.close();
  }

  const invoicing = progressReporter('invoices:', err);
  await ingestDemoInputs(lake, month, seed, traffic, out);
  invoicing.done('invoices and revenue written and ingested');
  const rolling = progressReporter('rollups:', err);
  const rollups = await rollUpLocalLake(lake);
  out.write(
    `\nDaily rollups: ${rollups.rolled.length} days rolled up into ${join(lake, 'rollups')} (${formatCount(
      rollups.rolled.reduce((n, r) => n + r.usageRows, 0),
    )} usage rows for ${formatCount(inLakeRequests)} requests); the reports read them, not the events.\n`,
  );
  rolling.done('daily rollups written');
  const reporting = progressReporter('reports:', err);
  await printReports(lake, month, values.lake, out);
  reporting.done('margin, waste, governance, customers, runs and spend-alert reports, and the emails');
  return 0;
}

/** The demo writes only into an empty folder or one it made before (which it clears first). */
async function prepareDemoLake(dir: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, DEMO_MARKER))) {
      throw new UsageError(
        `--lake ${JSON.stringify(dir)} holds data the demo did not make; give the demo an empty or new folder`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  writeFileSync(join(dir, DEMO_MARKER), 'made by `tokenledger demo`; the next demo run clears this folder\n');
}

function lastFullMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * The month's provider invoices (in their real export formats) and revenue, written under `<lake>/inputs/`
 * for the reader to open, then ingested exactly as `tokenledger ingest invoice FILE --format F` and
 * `tokenledger ingest revenue FILE` do: the same command functions, their output relayed.
 */
async function ingestDemoInputs(
  lake: string,
  month: string,
  seed: number,
  traffic: Traffic,
  out: NodeJS.WritableStream,
): Promise<void> {
  const inputs = join(lake, 'inputs');
  await mkdir(inputs, { recursive: true });
  const invoices = demoInvoices(traffic, { month, seed });
  const revenue = demoRevenue(traffic, { month, seed });
  out.write(`\nThe providers' invoices of ${month} in their export formats, and revenue, in ${inputs}:\n`);
  const shown = (text: string) => text.replaceAll(`${lake}${sep}`, '').trimEnd();
  for (const invoice of invoices) {
    const file = join(inputs, invoice.fileName);
    writeFileSync(file, invoice.text);
    const io = capturedIo();
    await ingestInvoiceCommand([file, '--format', invoice.format, '--lake', lake], io);
    out.write(`Invoices: ${shown(io.text())}\n          (${invoice.provider}: ${invoice.note})\n`);
  }
  const file = join(inputs, revenue.fileName);
  writeFileSync(file, revenue.text);
  const io = capturedIo();
  await ingestRevenueCommand([file, '--lake', lake], io);
  out.write(
    `Revenue:  ${shown(io.text())}\n          (free customers pay 0, a few a small add-on; ${revenue.withoutUsage.join(', ')} pay and sent no request)\n`,
  );
}

/**
 * The month's three reports through the same job the scheduled Lambdas run — margin, cancellation waste and
 * prompt-deploy governance — written under reports/ with their emails in outbox/; the margin table and the
 * reconciliation per provider printed, the other two summarised.
 */
async function printReports(
  lake: string,
  month: string,
  lakeOption: string,
  out: NodeJS.WritableStream,
): Promise<void> {
  const m = parseMonth(month);
  if (!m) throw new UsageError(`--month ${JSON.stringify(month)} is not YYYY-MM`);
  const engine = await LocalQueryEngine.open(lake);
  try {
    const runner = new LocalQueryRunner(engine);
    const deps: ReportJobDependencies = {
      queries: runner,
      refreshRollups: (p) => rollUpLocalLake(engine, { days: rollupDaysOf(p) }),
      registry: new FsPromptRegistry(lake),
      lake: openLocalLake(lake),
      mail: {
        from: 'tokenledger@example.com',
        to: ['finance@example.com'],
        sender: new OutboxMailSender(lake),
        ledger: new FsDeliveryLedger(lake),
      },
    };
    const margin = await runReportJob('margin', monthPeriod(m), deps);
    const json = margin.doc.json as MarginReport;
    // The table ends with the report's warnings (margin.notes), so they are not printed again.
    out.write(`\n${margin.doc.text}`);

    const buckets = await runner.run('reports/reconciliation.sql', [m.from, m.to, m.from, m.to]);
    const byProvider = new Map<string, ProviderTotals>();
    for (const b of buckets) {
      const provider = String(b.provider);
      let t = byProvider.get(provider);
      if (!t) {
        t = { provider, billed: 0, allocated: 0, unallocated: 0, notTokens: 0 };
        byProvider.set(provider, t);
      }
      t.billed += Number(b.billed ?? 0);
      t.allocated += Number(b.allocated ?? 0);
      t.unallocated += Number(b.unallocated ?? 0);
      if (b.usage_type === 'other') t.notTokens += Number(b.billed ?? 0);
    }
    const rows = [...byProvider.values()].sort((a, b) => (a.provider < b.provider ? -1 : 1));
    const sum = (k: MoneyKey) => rows.reduce((s, r) => s + r[k], 0);
    const total: ProviderTotals = {
      provider: 'total',
      billed: sum('billed'),
      allocated: sum('allocated'),
      unallocated: sum('unallocated'),
      notTokens: sum('notTokens'),
    };
    const money = (k: MoneyKey) => (r: ProviderTotals) => formatMoney(r[k]);
    out.write(
      `\nReconciliation of ${month} by provider (USD): billed = allocated + unallocated\n\n${renderTable(
        [
          { label: 'provider', value: (r) => r.provider },
          { label: 'billed', value: money('billed'), align: 'right' },
          { label: 'allocated', value: money('allocated'), align: 'right' },
          { label: 'unallocated', value: money('unallocated'), align: 'right' },
          { label: 'of which not tokens', value: money('notTokens'), align: 'right' },
        ],
        [...rows, total],
      )}\n`,
    );
    out.write(
      [
        '',
        'unallocated = invoice spend no request accounts for: tokens billed above the telemetry (calls made',
        '  without the client) and lines that are neither tokens nor per-call tools (tax).',
        `estimated = $${formatMoney(json.totals.estimated)} of tokens no invoice line covers, priced at the price book (the demo`,
        `  left ${UNINVOICED_MODEL} off the OpenAI invoice).`,
        '',
      ].join('\n'),
    );

    const waste = await runReportJob('waste', dayRange(m.from, m.to), deps);
    const wasteJson = waste.doc.json as WasteReport;
    out.write(`\nCancellation waste of ${month}: ${wasteSummary(wasteJson)}\n`);
    for (const { row, monthlyWaste } of unpropagated(wasteJson)) {
      out.write(
        `  ${row.feature} (${row.provider} ${row.model}): the stop does not reach the provider (propagation ${(row.propagation_ratio ?? 0).toFixed(2)}), about $${formatMoney(monthlyWaste)} a month\n`,
      );
    }

    const governance = await runReportJob('governance', dayRange(m.from, m.to), deps);
    const gov = governance.doc.json as GovernanceReport;
    out.write(`\nPrompt-deploy governance of ${month}: ${governanceSummary(gov)}\n`);
    for (const f of gov.findings) {
      out.write(
        `  ${f.severity.padEnd(8)} ${f.rule.padEnd(21)} ${f.prompt_id}@${f.prompt_version} (${formatCount(f.requests)} requests)\n`,
      );
    }

    // Made on demand, not emailed: the margin email carries the customers section.
    const { mail: _, ...unmailed } = deps;
    const customers = await runReportJob('customers', monthPeriod(m), unmailed);
    out.write(`\nCustomers of ${month}: ${customersSummary(customers.doc.json as CustomersReport)}\n`);
    for (const c of negativeMarginCustomers(customers.doc.json as CustomersReport).slice(0, 3)) {
      out.write(
        `  ${c.customer_id} (${c.cohort}): cost $${formatMoney(c.cost)}, revenue $${formatMoney(c.revenue)}, margin $${formatMoney(c.margin)}${c.margin_pct === null ? '' : ` (${formatPercent(c.margin_pct)})`}\n`,
      );
    }
    const runs = await runReportJob('runs', dayRange(m.from, m.to), unmailed);
    const runsJson = runs.doc.json as RunsReport;
    out.write(`\nAgent runs of ${month}: ${runsSummary(runsJson)}\n`);
    for (const r of runsJson.runaways.slice(0, 3)) {
      out.write(
        `  runaway ${r.trace_id} (${r.feature}): ${formatCount(r.requests)} requests, $${formatMoney(r.cost)}\n`,
      );
    }

    // The spend alerts of the day the noisy customer's traffic jumps, as the daily job would send them. The demo
    // company is small: it alerts from $1 a day and pages from $3 at stake (the defaults are $10 and $100).
    const jumpDay = utcDay(noisyJumpAt(Date.parse(`${m.from}T00:00:00Z`)));
    const alerts = await runReportJob('alerts', dayRange(jumpDay, nextDay(jumpDay)), {
      ...deps,
      alertThresholds: DEMO_ALERT_THRESHOLDS,
      pager: { notifier: new OutboxNotifier(lake), ledger: new FsDeliveryLedger(lake) },
    });
    const alertsJson = alerts.doc.json as AlertsReport;
    out.write(
      `\nSpend alerts of ${jumpDay} (the demo alerts from $${DEMO_ALERT_THRESHOLDS.min_cost} a day, pages from $${DEMO_ALERT_THRESHOLDS.critical_cost}): ${alertsSummary(alertsJson)}\n`,
    );
    for (const f of alertsJson.findings.slice(0, 3))
      out.write(`  ${f.severity.padEnd(8)} ${findingText(f)}\n`);

    out.write(
      `\nReports (HTML, and JSON and CSV beside them) and the emails the scheduled jobs would send:\n`,
    );
    for (const r of [margin, waste, governance, alerts]) {
      const html = r.keys.find((k) => k.endsWith('.html')) as string;
      out.write(`  ${join(lake, html)}\n    ${join(lake, 'outbox', `${r.doc.id}.eml`)}\n`);
    }
    if (alerts.paged.status === 'sent') {
      out.write(`    ${join(lake, 'outbox', `${alerts.doc.id}.page.txt`)} (the SNS page)\n`);
    }
    for (const r of [customers, runs]) {
      out.write(`  ${join(lake, r.keys.find((k) => k.endsWith('.html')) as string)}\n`);
    }
    out.write('Try:\n');
    out.write(`  npx tokenledger report reconciliation --month ${month} --lake ${lakeOption}\n`);
    out.write(`  npx tokenledger report margin --month ${month} --format json --lake ${lakeOption}\n`);
    out.write(`  npx tokenledger report governance --from ${m.from} --to ${m.to} --lake ${lakeOption}\n`);
    out.write(`  npx tokenledger report customers --month ${month} --lake ${lakeOption}\n`);
    out.write(`  npx tokenledger report runs --from ${m.from} --to ${m.to} --lake ${lakeOption}\n`);
    out.write(
      `  npx tokenledger report alerts --day ${jumpDay} --min-cost 1 --critical-cost 3 --lake ${lakeOption}\n`,
    );
  } finally {
    engine.close();
  }
}

/** The demo company's alert thresholds: a small company's (the defaults suit a bill of thousands a day). */
const DEMO_ALERT_THRESHOLDS: Partial<AlertThresholds> = { min_cost: 1, critical_cost: 3 };

interface ProviderTotals {
  provider: string;
  billed: number;
  allocated: number;
  unallocated: number;
  notTokens: number;
}
type MoneyKey = Exclude<keyof ProviderTotals, 'provider'>;

/** An `Io` whose output is kept as text: the ingest commands' report lines, relayed by the demo. */
function capturedIo(): Io & { text: () => string } {
  let text = '';
  const sink = () =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
  return { out: sink(), err: sink(), text: () => text };
}
