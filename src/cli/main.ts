import { DataError, UsageError } from './errors.ts';
import { type Io, quietOnClosedPipe } from './io.ts';

type Command = (argv: string[], io: Io) => Promise<number>;

// Each command's module is loaded when it runs, so `--help` or a usage error never loads DuckDB or the SDK.
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  'ingest events': async () => (await import('./commands/ingest-events.ts')).ingestEventsCommand,
  'ingest otlp': async () => (await import('./commands/ingest-otlp.ts')).ingestOtlpCommand,
  'ingest invoice': async () => (await import('./commands/ingest-tables.ts')).ingestInvoiceCommand,
  'ingest prices': async () => (await import('./commands/ingest-tables.ts')).ingestPricesCommand,
  'ingest revenue': async () => (await import('./commands/ingest-tables.ts')).ingestRevenueCommand,
  'prompts register': async () => (await import('./commands/prompts.ts')).promptsRegisterCommand,
  'prompts retire': async () => (await import('./commands/prompts.ts')).promptsRetireCommand,
  query: async () => (await import('./commands/query.ts')).queryCommand,
  rollup: async () => (await import('./commands/rollup.ts')).rollupCommand,
  'report margin': async () => (await import('./commands/report.ts')).reportMarginCommand,
  'report reconciliation': async () => (await import('./commands/report.ts')).reportReconciliationCommand,
  'report waste': async () => (await import('./commands/report.ts')).reportWasteCommand,
  'report governance': async () => (await import('./commands/report.ts')).reportGovernanceCommand,
  'report customers': async () => (await import('./commands/report.ts')).reportCustomersCommand,
  'report runs': async () => (await import('./commands/report.ts')).reportRunsCommand,
  'report alerts': async () => (await import('./commands/report.ts')).reportAlertsCommand,
};

const HELP = `tokenledger — what each AI feature really costs, per customer cohort

usage: tokenledger <command> [options]        every command takes --lake DIR (default ./.tokenledger)

  demo [--requests N] [--month YYYY-MM] [--seed N]
                                         a realistic month through the whole local pipeline
  ingest events FILE|- [--strict]        JSONL request events into the lake (quarantines bad ones;
                                         --strict refuses the file whole instead)
  ingest otlp FILE|- [--feature-attribute KEY] [--cohort-attribute KEY] [--customer-attribute KEY]
            [--user-attributes KEY,...] [--user-hmac-key-file FILE]
                                         OpenTelemetry GenAI spans (a Collector file exporter's JSON or
                                         proto output) into the lake, through the local stream
  ingest invoice FILE --format F         a provider export (openai-costs, anthropic-cost-report, focus)
  ingest prices FILE                     price book rows (add to or override the default price book)
  ingest revenue FILE                    revenue per month and customer (month,customer_id,cohort,amount,currency)
  prompts register FILE [--table NAME]   prompt deploy records (JSON object, array or JSONL) into the
                                         registry; append-only, exits 1 if any record was refused
  prompts retire PROMPT_ID VERSION [--at TS] [--table NAME]
                                         sets the version's retired_at once (default now)
                                         --table: a deployment's DynamoDB registry instead of the lake's
                                         (AWS credentials from the environment; --region, --endpoint-url)
  query "SQL" [--format table|json|csv]  one read-only statement over the lake's tables and views
  rollup [--day YYYY-MM-DD]... [--force] daily rollups of every day of events not rolled up, or stale
                                         (events arrived since); the reports run it first
  report margin --month YYYY-MM [--format table|json|csv]
                                         margin per cohort and feature, reconciled to the invoices
  report reconciliation --month YYYY-MM [--by provider|day] [--format table|json|csv]
                                         the month's invoices per provider (--by day: per bucket and
                                         day): billed, allocated, unallocated
  report waste --from YYYY-MM-DD --to YYYY-MM-DD [--format table|json|csv]
                                         tokens billed after the user pressed stop (to exclusive)
  report governance --from YYYY-MM-DD --to YYYY-MM-DD [--format table|json|csv]
            [--change-threshold 0.25] [--rate-threshold 0.02] [--min-requests 50]
                                         served prompt versions checked against the prompt registry,
                                         and what each deploy changed (24 hours before vs after)
  report customers --month YYYY-MM [--format table|json|csv]
                                         cost, revenue and margin per customer; how concentrated cost is
  report runs --from YYYY-MM-DD --to YYYY-MM-DD [--runaway-factor 10] [--format table|json|csv]
                                         agent runs (requests sharing a trace id) per feature: cost per
                                         run, escalations to another model, runaway runs
  report alerts --day YYYY-MM-DD [--factor 5] [--min-cost 10] [--critical-cost 100] [--runaway-factor 10]
                                         the day's spend alerts: customers and features above factor x
                                         their 7-day median, runaway runs; --email writes the email only
                                         when something is flagged, and the page of critical findings

  Reports are written as JSON, CSV and HTML under <lake>/reports/<kind>/<period>/. With --email
  [--mail-to a@x,b@y] [--mail-from r@x] a report is also written, once per period, as the email the
  scheduled job would send: <lake>/outbox/<kind>-<period>.eml (TOKENLEDGER_MAIL_TO/_FROM set defaults).
`;

/**
 * Runs the CLI; returns the exit code: 0 done, 1 bad data or unreadable file, 2 bad usage. Output to a reader
 * that has gone away (`| head`) is dropped quietly (io.ts).
 */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  quietOnClosedPipe(out);
  quietOnClosedPipe(err);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? err : out).write(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const [name, rest] = COMMANDS[two] ? [two, argv.slice(2)] : [argv[0] as string, argv.slice(1)];
  const command = COMMANDS[name];
  try {
    if (!command) {
      const known = Object.keys(COMMANDS).join(', ');
      const subcommands = Object.keys(COMMANDS)
        .filter((c) => c.startsWith(`${argv[0]} `))
        .map((c) => c.slice(`${argv[0]} `.length));
      // A group (`ingest`, `prompts`, `report`) followed by nothing or by an option: no subcommand was given.
      if (subcommands.length > 0 && (argv[1] === undefined || argv[1].startsWith('-'))) {
        throw new UsageError(`${JSON.stringify(argv[0])} needs a subcommand: ${subcommands.join(', ')}`);
      }
      const asked = subcommands.length > 0 ? argv.slice(0, 2).join(' ') : (argv[0] as string);
      throw new UsageError(`unknown command ${JSON.stringify(asked)}; commands: ${known}`);
    }
    return await (await command())(rest, { out, err });
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`tokenledger: ${e.message}\n`);
      return 2;
    }
    if (e instanceof DataError) {
      err.write(`tokenledger: ${e.message}\n`);
      return 1;
    }
    err.write(`tokenledger: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
