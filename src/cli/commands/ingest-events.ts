import { openLocalLake } from '../../adapters/local/local-lake.ts';
import { parseEventLine } from '../../core/ingest/parse-event-line.ts';
import { type PipelineResult, runLocalPipeline } from '../../jobs/local-pipeline.ts';
import { formatCount } from '../../reports/table-format.ts';
import { LAKE_OPTION, lakeDir, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import { type InputLine, readJsonLines } from '../input.ts';
import type { Io } from '../io.ts';
import { progressReporter } from '../progress.ts';

const USAGE = 'ingest events FILE|- [--strict] [--lake DIR]';

/**
 * `tokenledger ingest events FILE|-`: JSONL events through the same framing and the same ingest consumer as
 * in AWS, into the local lake. Events that break the contract are quarantined, as in the pipeline; with
 * `--strict` the file is refused whole instead (exit 1) and the lake is left as it was.
 */
export async function ingestEventsCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('ingest events', argv, {
    ...LAKE_OPTION,
    strict: { type: 'boolean', default: false },
  });
  if (positionals.length === 0) throw new UsageError(`usage: tokenledger ${USAGE}`);
  if (positionals.length > 1) {
    throw new UsageError(
      `ingest events takes one FILE, got also ${JSON.stringify(positionals[1])}; usage: tokenledger ${USAGE}`,
    );
  }
  const file = positionals[0] as string;
  const lines = await readJsonLines(file);
  const refused = refusedLines(file, lines);
  if (values.strict && refused.length > 0) {
    throw new DataError(
      [
        `${file}: ${refused.length} events break the contract; nothing was stored`,
        ...refused.slice(0, 20),
      ].join('\n'),
    );
  }
  const progress = progressReporter(`ingest ${file}:`, err);
  const result = await runLocalPipeline(
    openLocalLake(lakeDir(values.lake)),
    (ledger) => {
      for (const l of lines) ledger.recordLine(l.text);
    },
    { onProgress: (phase, done) => progress.update(done, lines.length, phase) },
  );
  progress.done(`${formatCount(result.events)} events`);
  out.write(`${summarise(file, result, refused).join('\n')}\n`);
  return checkClient(result);
}

/** The lines the consumer will refuse, as `FILE:LINE: reasons`, checked here so that they can be named. */
function refusedLines(file: string, lines: readonly InputLine[]): string[] {
  const now = Date.now();
  const out: string[] = [];
  for (const l of lines) {
    const result = parseEventLine(l.text, now);
    if (!result.ok) out.push(`  ${file}:${l.line}: ${result.rejections.map((r) => r.message).join('; ')}`);
  }
  return out;
}

/** Exit code 1 when the client could not deliver everything into the local stream. */
export function checkClient(result: PipelineResult): number {
  const lost = result.client.dropped;
  if (lost === 0) return 0;
  throw new DataError(
    `${lost} events could not be sent to the local stream: ${result.clientErrors
      .map((e) => e.message)
      .slice(0, 3)
      .join('; ')}`,
  );
}

/** What the consumer did with the events it read: accepted, duplicates, quarantined and why. */
export function consumerCounts(r: PipelineResult): string[] {
  const out = [
    `  accepted     ${formatCount(r.accepted).padStart(10)}`,
    `  duplicates   ${formatCount(r.duplicates).padStart(10)}  (same event_id in a consumer batch; the view counts across batches)`,
    `  quarantined  ${formatCount(r.quarantined).padStart(10)}`,
  ];
  for (const [reason, n] of Object.entries(r.reasons).sort(([, a], [, b]) => b - a)) {
    out.push(`    ${reason.padEnd(32)} ${formatCount(n).padStart(8)}`);
  }
  return out;
}

export function summarise(source: string, r: PipelineResult, refused: readonly string[] = []): string[] {
  const out = [
    `${source}: ${formatCount(r.events)} events (${formatCount(r.client.calls)} PutRecords calls by the client), ` +
      `${formatCount(r.records)} stream records, ${r.batches} consumer batches`,
    ...consumerCounts(r),
  ];
  if (refused.length > 0) {
    out.push(`${formatCount(refused.length)} events refused:`, ...refused.slice(0, 5));
    if (refused.length > 5) out.push(`  … and ${refused.length - 5} more`);
  }
  return out;
}
