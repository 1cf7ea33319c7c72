import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseTimestamp } from '@tokenledger/client/contract';
import { DynamoPromptRegistry } from '../../adapters/dynamodb/dynamo-prompt-registry.ts';
import { FsPromptRegistry } from '../../adapters/local/fs-prompt-registry.ts';
import { parseRecordsFile, type RecordEntry } from '../../core/prompts/deploy-record.ts';
import type { PromptRegistry } from '../../ports/prompt-registry.ts';
import { LAKE_OPTION, lakeDir, parseCommand } from '../args.ts';
import { DataError, UsageError } from '../errors.ts';
import { readText } from '../input.ts';
import type { Io } from '../io.ts';

/**
 * Where the records go: the lake's registry, or with `--table` the DynamoDB table of a deployment (the stack's
 * `PromptRegistryTableName` output), through the usual AWS credentials and region (`--region`, `--endpoint-url` for
 * DynamoDB Local and other compatible endpoints).
 */
const REGISTRY_OPTIONS = {
  ...LAKE_OPTION,
  table: { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
} as const;

function registryFor(values: {
  lake: string;
  table?: string | undefined;
  region?: string | undefined;
  'endpoint-url'?: string | undefined;
}): PromptRegistry {
  if (values.table === undefined) {
    for (const o of ['region', 'endpoint-url'] as const) {
      if (values[o] !== undefined)
        throw new UsageError(`--${o} is for the DynamoDB registry: give --table too`);
    }
    return new FsPromptRegistry(resolve(lakeDir(values.lake)));
  }
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(values.table)) {
    throw new UsageError(`--table ${JSON.stringify(values.table)} is not a DynamoDB table name`);
  }
  const endpoint = values['endpoint-url'];
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new UsageError(`--endpoint-url ${JSON.stringify(endpoint)} is not an http(s) URL`);
  }
  const client = new DynamoDBClient({
    ...(values.region ? { region: values.region } : {}),
    ...(endpoint ? { endpoint } : {}),
  });
  return new DynamoPromptRegistry(client, values.table);
}

/**
 * `prompts register FILE`: deploy records (a JSON object, an array, or JSONL) into the lake's registry. Each
 * record is validated and registered on its own, so the valid ones of a file are kept; the command exits 1
 * when any record was refused (invalid, or that prompt_id + version is already registered), else 0.
 */
export async function promptsRegisterCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('prompts register', argv, REGISTRY_OPTIONS);
  const usage = 'usage: tokenledger prompts register FILE [--table NAME]';
  if (positionals.length === 0) throw new UsageError(usage);
  if (positionals.length > 1)
    throw new UsageError(`takes one FILE, got also ${JSON.stringify(positionals[1])}; ${usage}`);
  const file = positionals[0] as string;
  const text = await readText(file);
  let entries: RecordEntry[];
  try {
    entries = parseRecordsFile(text, file);
  } catch (err) {
    throw new DataError((err as Error).message);
  }
  const registry = registryFor(values);
  let registered = 0;
  let duplicates = 0;
  let invalid = 0;
  for (const entry of entries) {
    if (entry.errors) {
      invalid++;
      io.err.write(
        `${file}: ${entry.position}: refused: ${entry.errors.map((e) => stripWhere(e.message, file, entry.position)).join('; ')}\n`,
      );
      continue;
    }
    const r = entry.record;
    const name = `prompt ${JSON.stringify(r.prompt_id)} version ${JSON.stringify(r.version)}`;
    if ((await registry.register(r)) === 'registered') {
      registered++;
      io.out.write(`${file}: ${entry.position}: registered ${name}\n`);
    } else {
      duplicates++;
      io.err.write(
        `${file}: ${entry.position}: refused: ${name} is already registered; records are append-only (register a new version)\n`,
      );
    }
  }
  io.out.write(`${file}: ${registered} registered, ${duplicates} already registered, ${invalid} invalid\n`);
  return duplicates + invalid > 0 ? 1 : 0;
}

/**
 * `prompts retire PROMPT_ID VERSION [--at TS]`: sets the version's retired_at (default now). Exits 1 when the
 * version is not registered; a version already retired keeps its retired_at (exit 0, with a note).
 */
export async function promptsRetireCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('prompts retire', argv, {
    ...REGISTRY_OPTIONS,
    at: { type: 'string' },
  });
  const usage = 'usage: tokenledger prompts retire PROMPT_ID VERSION [--at TS] [--table NAME]';
  if (positionals.length < 2) throw new UsageError(usage);
  if (positionals.length > 2)
    throw new UsageError(`takes PROMPT_ID and VERSION, got also ${JSON.stringify(positionals[2])}; ${usage}`);
  const [promptId, version] = positionals as [string, string];
  if (values.at !== undefined && parseTimestamp(values.at) === null)
    throw new UsageError(
      `--at ${JSON.stringify(values.at)} is not an ISO-8601 date-time with seconds and Z or ±HH:MM`,
    );
  const at = values.at ?? new Date().toISOString();
  const registry = registryFor(values);
  const name = `prompt ${JSON.stringify(promptId)} version ${JSON.stringify(version)}`;
  const result = await registry.retire(promptId, version, at);
  if (result === 'not_found') throw new DataError(`${name} is not registered; nothing retired`);
  if (result === 'already_retired') {
    const existing = await registry.get(promptId, version);
    io.out.write(`${name} was already retired at ${existing?.retired_at}; nothing changed\n`);
    return 0;
  }
  io.out.write(`retired ${name} at ${at}\n`);
  return 0;
}

/** The record's messages start with `FILE: position: `, which the command's line already says. */
function stripWhere(message: string, file: string, position: string): string {
  const prefix = `${file}: ${position}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
