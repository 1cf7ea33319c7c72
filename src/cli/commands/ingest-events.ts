import { openLocalLake } from '../../local/local-lake.ts';
import { type LocalIngestResult, streamLines } from '../../local/local-stream.ts';
import type { LakeStore } from '../../ports/lake-store.ts';
import { LAKE_OPTION, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import { formatCount } from '../format/table.ts';
import { readJsonLines } from '../input.ts';
import type { Io } from '../main.ts';
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
  const lake = openLocalLake(values.lake);
  if (values.strict) {
    const dryRun = await streamLines(lines, new DiscardingStore());
    if (dryRun.quarantined > 0) throw new DataError(describeRefused(file, dryRun, 20).join('\n'));
  }
  const progress = progressReporter(`ingest ${file}:`, err);
  const result = await streamLines(lines, lake, { onProgress: progress.update });
  progress.done(`${formatCount(result.events)} events`);
  out.write(`${summarise(file, result).join('\n')}\n`);
  return 0;
}

export function summarise(file: string, r: LocalIngestResult): string[] {
  const out = [
    `${file}: ${formatCount(r.events)} events in ${formatCount(r.records)} records, ${r.batches} consumer batches`,
    `  accepted     ${formatCount(r.accepted).padStart(10)}`,
    `  duplicates   ${formatCount(r.duplicates).padStart(10)}  (same event_id in a batch; the view counts across batches)`,
    `  quarantined  ${formatCount(r.quarantined).padStart(10)}`,
  ];
  for (const [reason, n] of Object.entries(r.reasons).sort(([, a], [, b]) => b - a)) {
    out.push(`    ${reason.padEnd(32)} ${formatCount(n).padStart(8)}`);
  }
  if (r.quarantined > 0) out.push(...describeRefused(file, r, 5));
  return out;
}

function describeRefused(file: string, r: LocalIngestResult, limit: number): string[] {
  const lines = r.refused
    .slice(0, limit)
    .map((q) => `  ${file}:${q.line ?? '?'}: ${q.reasons.map((x) => x.message).join('; ')}`);
  if (r.refused.length > limit) lines.push(`  … and ${r.refused.length - limit} more`);
  return [`${formatCount(r.quarantined)} events refused:`, ...lines];
}

/** A lake that keeps nothing: `--strict` runs the consumer over it first to find refused events. */
class DiscardingStore implements LakeStore {
  async putNew(): Promise<'written'> {
    return 'written';
  }
  async list(): Promise<string[]> {
    return [];
  }
  async get(key: string): Promise<Uint8Array> {
    throw new Error(`${key}: the dry run keeps nothing`);
  }
}
