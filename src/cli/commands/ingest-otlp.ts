import { gzipSync } from 'node:zlib';
import { RECORD_LIMITS } from '@tokenledger/client/contract';
import { openLocalLake } from '../../adapters/local/local-lake.ts';
import { localUserKey } from '../../adapters/local/local-user-key.ts';
import { otlpMapping } from '../../core/ingest/otlp-mapping.ts';
import { OtlpFileError, splitOtlpFile } from '../../core/otlp/otlp-file.ts';
import { OTLP_SETTING_SPECS, OtlpSettingsError, parseOtlpSettings } from '../../core/otlp/otlp-settings.ts';
import { runLocalPipeline } from '../../jobs/local-pipeline.ts';
import { formatCount } from '../../reports/table-format.ts';
import { LAKE_OPTION, lakeDir, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import { readBytes } from '../input.ts';
import type { Io } from '../io.ts';
import { progressReporter } from '../progress.ts';
import { consumerCounts } from './ingest-events.ts';

const USAGE =
  'ingest otlp FILE|- [--feature-attribute KEY] [--cohort-attribute KEY] [--customer-attribute KEY] ' +
  '[--user-attributes KEY,...] [--user-hmac-key-file FILE] [--lake DIR]';

const SETTING_OPTIONS = Object.fromEntries(
  OTLP_SETTING_SPECS.map((s) => [s.flag, { type: 'string' as const }]),
) as Record<string, { type: 'string' }>;

/**
 * `tokenledger ingest otlp FILE|-`: OTLP trace requests from a file (the Collector's file exporter, JSON or proto)
 * put into the local stream as a Collector's `awskinesis` exporter puts them, one request a record, and read by the
 * same consumer as in AWS: GenAI spans become events, other spans are counted and skipped, spans that break the
 * contract are quarantined. End-user ids are hashed with the key `--user-hmac-key-file` or
 * `TOKENLEDGER_USER_HMAC_KEY` gives, else with the lake's own key.
 */
export async function ingestOtlpCommand(argv: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseCommand('ingest otlp', argv, {
    ...LAKE_OPTION,
    ...SETTING_OPTIONS,
    'user-hmac-key-file': { type: 'string' },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `usage: tokenledger ${USAGE}`
        : `ingest otlp takes one FILE, got also ${JSON.stringify(positionals[1])}; usage: tokenledger ${USAGE}`,
    );
  }
  const file = positionals[0] as string;
  let settings: ReturnType<typeof parseOtlpSettings>;
  try {
    settings = parseOtlpSettings(values, 'flag');
  } catch (e) {
    if (e instanceof OtlpSettingsError) throw new UsageError(e.message);
    throw e;
  }
  const lake = lakeDir(values.lake);
  let requests: ReturnType<typeof splitOtlpFile>;
  try {
    requests = splitOtlpFile(await readBytes(file));
  } catch (e) {
    if (e instanceof OtlpFileError) throw new DataError(`${file}: ${e.message}`);
    throw e;
  }
  const { records, refused } = asRecords(requests);
  let key: ReturnType<typeof localUserKey>;
  try {
    key = localUserKey(lake, values['user-hmac-key-file']);
  } catch (e) {
    throw new DataError(`--user-hmac-key-file: ${(e as Error).message}`);
  }
  const progress = progressReporter(`ingest ${file}:`, err);
  const result = await runLocalPipeline(openLocalLake(lake), () => {}, {
    otlp: otlpMapping(settings, key.key),
    records,
    onProgress: (phase, done) => progress.update(done, records.length, phase),
  });
  progress.done(`${formatCount(result.spans)} spans`);
  const lines = [
    `${file}: ${formatCount(requests.length)} OTLP requests as ${formatCount(records.length)} stream records, ` +
      `${result.batches} consumer batches`,
    `  spans        ${formatCount(result.spans).padStart(10)}`,
    `  LLM calls    ${formatCount(result.events).padStart(10)}  (spans with token usage)`,
    `  skipped      ${formatCount(result.skippedSpans).padStart(10)}  (spans without token usage)`,
    ...consumerCounts(result),
    `end-user ids hashed with the key from ${key.source}`,
  ];
  if (refused.length > 0) {
    lines.push(
      `${formatCount(refused.length)} requests not sent:`,
      ...refused.slice(0, 5).map((r) => `  ${r}`),
    );
  }
  out.write(`${lines.join('\n')}\n`);
  if (refused.length > 0) {
    throw new DataError(
      `${file}: ${refused.length} requests too large for a stream record; the others are stored`,
    );
  }
  return 0;
}

/**
 * Each request as one record: as it is when it fits a Kinesis record, else gzip'd (as the exporter's
 * `compression: gzip` would); one that is still too large is refused by name (a collector drops it too).
 */
function asRecords(requests: ReturnType<typeof splitOtlpFile>): { records: Uint8Array[]; refused: string[] } {
  const records: Uint8Array[] = [];
  const refused: string[] = [];
  const max = RECORD_LIMITS.recordBytesMax;
  for (const r of requests) {
    const data = r.bytes.length <= max ? r.bytes : gzipSync(r.bytes, { level: 1 });
    if (data.length <= max) records.push(data);
    else {
      refused.push(
        `${r.where}: ${formatCount(r.bytes.length)} bytes, ${formatCount(data.length)} gzip'd, more than a record's ${formatCount(max)}; ` +
          'export smaller batches (the batch processor’s send_batch_max_size)',
      );
    }
  }
  return { records, refused };
}
