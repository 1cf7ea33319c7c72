import {
  quote,
  SERVICE_TIERS,
  type ServiceTier,
  TOOL_NAME_PATTERN,
  type ToolUsageType,
  USAGE_TYPES,
  type UsageType,
} from '@tokenledger/client/contract';
import type { ContextTier } from '../costs/cost-line.ts';
import { decimal, parseCsv, required, utcDate } from '../csv-rows.ts';
import { DataFileError } from '../data-file-error.ts';
import { DOUBLE, INT, STRING, type TableColumn, TIMESTAMP } from '../lake/table-column.ts';

const CONTEXT_TIERS: readonly ContextTier[] = ['standard', 'long'];

/** The model of a tool price row: providers bill server-side tool calls across models. */
export const ANY_MODEL = '*';

/** The usage type of a row that names a model alias (`gpt-4o-mini`) and the snapshot it stands for. */
export const ALIAS = 'alias';

/**
 * One price (docs/contracts.md §5): USD per million tokens of a usage type (per million calls for `tool:<name>`),
 * for a service tier and a context tier, effective from one date to another.
 */
export interface PriceRow {
  provider: string;
  /** `*` for tool usage types. */
  model: string;
  /** `alias`: `model` is an alias that means the snapshot `alias_of` while the row is in force. */
  usage_type: UsageType | ToolUsageType | typeof ALIAS;
  service_tier: ServiceTier;
  context_tier: ContextTier;
  /** On `long` rows: requests whose input_tokens exceed it are long-context; null on `standard` rows. */
  long_context_above: number | null;
  usd_per_million_tokens: number;
  /** Inclusive, epoch ms (a UTC date). */
  effective_from: number;
  /** Exclusive, epoch ms; null: still in effect. */
  effective_to: number | null;
  source: string;
  ingested_at: number;
  /** On `alias` rows: the snapshot the alias (`model`) stands for; null on price rows. */
  alias_of: string | null;
}

/** The `prices` table: the default price book and every imported one; `price_book` picks the rows in force. */
export const PRICE_COLUMNS: readonly TableColumn[] = [
  { name: 'provider', ...STRING, nullable: false, comment: 'as in events' },
  { name: 'model', ...STRING, nullable: false, comment: "as in events; '*' for tool usage types" },
  {
    name: 'usage_type',
    ...STRING,
    nullable: false,
    comment: 'input, cache_read, cache_write, cache_write_1h, output or tool:<name>',
  },
  {
    name: 'usd_per_million_tokens',
    ...DOUBLE,
    nullable: false,
    comment: 'list price (per million calls for tools)',
  },
  { name: 'effective_from', ...TIMESTAMP, nullable: false, comment: 'inclusive, UTC date' },
  { name: 'effective_to', ...TIMESTAMP, nullable: true, comment: 'exclusive, UTC date; null: open' },
  { name: 'source', ...STRING, nullable: false, comment: "'default' or the imported file" },
  { name: 'ingested_at', ...TIMESTAMP, nullable: false, comment: 'later imports override earlier ones' },
  // Appended later, so nullable: files written before do not have them (null reads as standard).
  {
    name: 'service_tier',
    ...STRING,
    nullable: true,
    comment: 'standard, batch, flex or priority; null: standard',
  },
  { name: 'context_tier', ...STRING, nullable: true, comment: 'standard or long; null: standard' },
  {
    name: 'long_context_above',
    ...INT,
    nullable: true,
    comment: 'on long rows: input tokens above which a request is long-context',
  },
  { name: 'alias_of', ...STRING, nullable: true, comment: "on usage_type 'alias' rows: the snapshot model" },
];

/**
 * A price book CSV with a header, its columns found by name: required
 * `provider,model,usage_type,usd_per_million_tokens,effective_from`; optional `effective_to`, `service_tier`,
 * `context_tier`, `long_context_above` and `alias_of` (on `alias` rows, which price nothing: they say which
 * snapshot an alias such as `gpt-4o-mini` stands for while in force). Dates are `YYYY-MM-DD` (UTC, from inclusive, to exclusive). Lines
 * starting with `#` are comments. Refused whole on the first bad line, naming it, the field and the value.
 */
export function parsePriceBook(text: string, file: string, ingestedAt: number): PriceRow[] {
  const records = parseCsv(text, file, [
    'provider',
    'model',
    'usage_type',
    'usd_per_million_tokens',
    'effective_from',
  ]);
  const thresholds = new Map<string, { line: number; above: number }>();
  return records.map(({ line, row }) => {
    const at = `line ${line}`;
    const fail = (field: string, why: string): never => {
      throw new DataFileError(file, at, field, why);
    };
    const model = required(file, at, 'model', row.model);
    if (row.usage_type === ALIAS) return aliasRow(row, model, file, at, ingestedAt, fail);
    if (row.alias_of) fail('alias_of', `${quote(row.alias_of)} is only for usage_type ${ALIAS} rows`);
    const usage = usageType(row.usage_type ?? '', fail);
    const tool = usage.startsWith('tool:');
    if (tool && model !== ANY_MODEL) {
      fail(
        'model',
        `${quote(model)} must be '*' for ${usage}: tool calls are priced per provider, not per model`,
      );
    }
    if (!tool && model === ANY_MODEL) fail('model', `'*' is only for tool:<name> usage types, not ${usage}`);
    const serviceTier = oneOf(row.service_tier, SERVICE_TIERS, 'service_tier', fail);
    const contextTier = oneOf(row.context_tier, CONTEXT_TIERS, 'context_tier', fail);
    if (tool && (serviceTier !== 'standard' || contextTier !== 'standard')) {
      fail(
        serviceTier !== 'standard' ? 'service_tier' : 'context_tier',
        `${usage} rows take the standard tiers only: tool calls are priced per provider and tool alone`,
      );
    }
    const threshold = longContextAbove(row.long_context_above, contextTier, fail);
    if (threshold !== null) {
      // One threshold per model and date: it decides which requests are long-context for every usage type.
      const key = `${row.provider}\u0000${model}\u0000${row.effective_from}`;
      const seen = thresholds.get(key);
      if (seen && seen.above !== threshold) {
        fail(
          'long_context_above',
          `${threshold} differs from ${seen.above} on line ${seen.line} for the same provider, model and effective_from`,
        );
      }
      thresholds.set(key, { line, above: threshold });
    }
    const price = decimal(file, at, 'usd_per_million_tokens', row.usd_per_million_tokens);
    if (price < 0) fail('usd_per_million_tokens', `${price} is negative`);
    const { from, to } = validity(row, file, at, fail);
    return {
      provider: required(file, at, 'provider', row.provider),
      model,
      usage_type: usage,
      service_tier: serviceTier,
      context_tier: contextTier,
      long_context_above: threshold,
      usd_per_million_tokens: price,
      effective_from: from,
      effective_to: to,
      source: file,
      ingested_at: ingestedAt,
      alias_of: null,
    };
  });
}

/**
 * A row `provider,<alias>,alias,…,alias_of=<snapshot>,effective_from[,effective_to]`: while in force, requests
 * recorded under the alias are priced and allocated as the snapshot's. It prices nothing itself.
 */
function aliasRow(
  row: Record<string, string>,
  alias: string,
  file: string,
  at: string,
  ingestedAt: number,
  fail: Fail,
): PriceRow {
  const target = row.alias_of ?? '';
  if (target === '')
    fail('alias_of', `required on usage_type ${ALIAS} rows: the snapshot ${quote(alias)} stands for`);
  if (target === alias) fail('alias_of', `${quote(target)} is the alias itself`);
  if (row.usd_per_million_tokens && Number(row.usd_per_million_tokens) !== 0) {
    fail(
      'usd_per_million_tokens',
      `${quote(row.usd_per_million_tokens)}: an ${ALIAS} row prices nothing; leave it empty`,
    );
  }
  for (const field of ['service_tier', 'context_tier', 'long_context_above'] as const) {
    const v = row[field];
    if (v && !(field !== 'long_context_above' && v === 'standard')) {
      fail(field, `${quote(v)}: an ${ALIAS} row applies to every tier; leave it empty`);
    }
  }
  const { from, to } = validity(row, file, at, fail);
  return {
    provider: required(file, at, 'provider', row.provider),
    model: alias,
    usage_type: ALIAS,
    service_tier: 'standard',
    context_tier: 'standard',
    long_context_above: null,
    usd_per_million_tokens: 0,
    effective_from: from,
    effective_to: to,
    source: file,
    ingested_at: ingestedAt,
    alias_of: target,
  };
}

type Fail = (field: string, why: string) => never;

/** A row's `effective_from` (inclusive) and `effective_to` (exclusive, null: open), the end after the start. */
function validity(
  row: Record<string, string>,
  file: string,
  at: string,
  fail: Fail,
): { from: number; to: number | null } {
  const from = utcDate(file, at, 'effective_from', row.effective_from);
  const to = row.effective_to ? utcDate(file, at, 'effective_to', row.effective_to) : null;
  if (to !== null && to <= from) {
    fail(
      'effective_to',
      `${quote(row.effective_to)} is not after effective_from ${quote(row.effective_from)}`,
    );
  }
  return { from, to };
}

function usageType(text: string, fail: Fail): UsageType | ToolUsageType {
  if ((USAGE_TYPES as readonly string[]).includes(text)) return text as UsageType;
  if (text.startsWith('tool:')) {
    const name = text.slice('tool:'.length);
    if (TOOL_NAME_PATTERN.test(name)) return `tool:${name}`;
    fail('usage_type', `${quote(text)}: the tool name does not match ${TOOL_NAME_PATTERN}`);
  }
  return fail('usage_type', `${quote(text)} is not one of ${USAGE_TYPES.join(', ')} or tool:<name>`);
}

function oneOf<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  field: string,
  fail: Fail,
): T {
  if (text === undefined || text === '') return allowed[0] as T;
  if (!(allowed as readonly string[]).includes(text))
    fail(field, `${quote(text)} is not one of ${allowed.join(', ')}`);
  return text as T;
}

function longContextAbove(text: string | undefined, tier: ContextTier, fail: Fail): number | null {
  if (text === undefined || text === '') {
    if (tier === 'long') {
      fail(
        'long_context_above',
        'required on context_tier=long rows: the input tokens above which they apply',
      );
    }
    return null;
  }
  if (tier !== 'long') fail('long_context_above', `${quote(text)} is only for context_tier=long rows`);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000_000) {
    fail('long_context_above', `${quote(text)} is not a whole number of tokens from 1 to 1000000000`);
  }
  return n;
}
