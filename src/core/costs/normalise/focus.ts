/**
 * `focus`: a FOCUS 1.x cost and usage CSV (FinOps Open Cost and Usage Specification). How a row becomes a
 * cost line — the model, usage type and tiers are our design, FOCUS has no columns for them:
 *
 * Required columns: BilledCost, BillingCurrency, ChargePeriodStart, ChargePeriodEnd, and a provider column
 * (ServiceProviderName, FOCUS 1.2+, or ProviderName). A missing one refuses the file at `line 1`; a
 * duplicated column name too. Other columns are optional.
 *
 * - provider: ServiceProviderName, else ProviderName. `OpenAI…` → `openai`, `Anthropic…` → `anthropic`,
 *   `AWS` / `Amazon Web Services…` → `aws`, anything else lower-cased. A row is `aws.bedrock` when AWS
 *   provides, hosts (HostProviderName) or invoices (InvoiceIssuerName) it and ServiceName, x_ServiceCode,
 *   SkuId, SkuMeter or ChargeDescription mentions "Bedrock" (so Anthropic models sold through Bedrock's
 *   marketplace land with the Bedrock telemetry).
 * - model: the first non-empty `x_Model`, `x_ModelId` column; else the first model id found in SkuMeter,
 *   ChargeDescription, SkuId (in that order), lower-cased: `gpt-…`, `chatgpt-…`, `o1`…`o9[-…]`,
 *   `claude-…`, `text-embedding-…`, `dall-e-…`, `whisper-…`, `tts-…`, or a Bedrock id
 *   `[region.]vendor.model[:n]` (`anthropic.`, `amazon.`, `meta.`, `mistral.`, `cohere.`, `ai21.`,
 *   `deepseek.`, `openai.`, `qwen.`, `writer.`). Display names ("Claude 3.5 Sonnet") are not mapped:
 *   put the id in `x_Model`. None found → null.
 * - usage type, first rule that applies:
 *   1. ChargeCategory present and not `Usage` (Purchase, Tax, Credit, Adjustment) → `other`;
 *   2. ConsumedUnit not naming tokens (no word `token`/`tokens`, empty or absent): `tool:web_search` when
 *      a text source (below) names web search (`web search`, `web searches`, `websearch`; split as below,
 *      so `WebSearch`, `web_search`, `web-search` too), else `other`;
 *   3. the first text source that classifies: cache read (`cache read`, `cached input`, `cached prompt`,
 *      `cache hit`) → cache_read; cache write (`cache write`, `cache creation`) → cache_write, or
 *      cache_write_1h when the same text says `1h`, `1 h`, `1hr`, `1 hour` or `1 hours` (so `1-hour`, `(1h)`,
 *      `ephemeral_1h` too); `output` without `input` → output; `input` without `output` → input;
 *   4. nothing classifies → `other`.
 *   The text sources, in order: `x_TokenType`, `x_UsageType`, SkuMeter, ChargeDescription, SkuId. A text is
 *   split into words first — at camelCase, between a letter and a digit, and at every other character
 *   (`_ - . / : (` …) — so `cache_read_input_tokens`, `CacheWriteInputTokenCount`, `CacheWrite1hInput…`
 *   and `USE1-Claude3.5Sonnet-input-tokens` classify; `uncached input` is input.
 * - service_tier: the `x_ServiceTier` column (`x_service_tier`, …) when filled in: `standard`, `batch`,
 *   `flex`, `priority` (any case; `default`, OpenAI's name for standard, is standard). Any other value
 *   makes the row `other` at tier standard — kept and billed, never allocated at a guessed tier — as the
 *   anthropic-cost-report format does with a tier it does not know. Without it, on token and tool rows
 *   only: the first of `x_TokenType`, `x_UsageType`, SkuMeter, SkuPriceDetails, ChargeDescription, SkuId
 *   that names exactly one of the words `batch`, `flex`, `priority` (split as above, so `BatchInput` and
 *   `batch_input` count; `batched`, `flexible` do not); none → standard. Other rows are standard.
 * - context_tier: on token and tool rows, `long` when one of those six texts says `long context`
 *   (`long-context`, `LongContext`, `long_context`), has `>` before a count of 100k or more (`>200k`,
 *   `> 128K`) or a range from 100k or more to millions (`200k-1M`, `128K - 2M`); else standard (`0-200k`
 *   is standard). Other rows are standard.
 * - consumed_quantity: ConsumedQuantity when the unit names tokens, times the unit's leading scale:
 *   `1K tokens` / `K tokens` / `Thousand tokens` ×1 000, `1M tokens` / `Million tokens` ×1 000 000,
 *   `1000 tokens` ×1 000; plain `Tokens` ×1. On a tool row, the calls when the unit names them
 *   (`call(s)`, `request(s)`, `search(es)`; same scales: `1K requests` ×1 000). Empty or any other
 *   unit → null.
 * - billed_cost BilledCost (negative kept: credits); list_cost ListCost (empty → null); currency
 *   BillingCurrency; billing_account_id BillingAccountId; invoice_id InvoiceId (empty → null);
 *   sku the first non-empty of ChargeDescription, SkuMeter, SkuId, ChargeCategory.
 * - Dates: ISO 8601 with a zone (`2026-10-01T00:00:00Z`); no zone → refused. ChargePeriodEnd (exclusive)
 *   must be after ChargePeriodStart.
 * - Numbers: plain decimals, optional exponent (`1.2E-5`); `12,34`, `NaN`, `$1` are refused, also in
 *   ConsumedQuantity and ListCost. Columns x_ are matched ignoring case and `_`/`-` (`x_model_id`).
 * - Positions are `line N` of the file, the header being line 1; a row whose quoted field spans lines is
 *   named by its first line. Empty lines are skipped; a row with more or fewer fields than the header is
 *   refused. CR LF and CR line ends are read as LF.
 */

import { SERVICE_TIERS, type ServiceTier } from '@tokenledger/client/contract';
import { type CsvError, parse } from 'csv-parse/sync';
import { CSV_COLUMNS_MAX, recordStartLine } from '../../csv-rows.ts';
import type { ContextTier, CostLine, CostUsageType } from '../cost-line.ts';
import {
  amount,
  currency,
  decimalText,
  fail,
  fileBody,
  isoInstant,
  type NormaliseOptions,
  periodEnd,
  quote,
  type Where,
  wholeHour,
} from './values.ts';

const REQUIRED = ['BilledCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd'] as const;

type Row = Record<string, string | undefined>;

interface ParsedRow {
  record: Row;
  info: { lines: number };
}

function newlines(values: Iterable<unknown>): number {
  let n = 0;
  for (const v of values) if (typeof v === 'string') n += v.split('\n').length - 1;
  return n;
}

function csvError(error: unknown, file: string, body: string, header: readonly string[]): never {
  const e = error as CsvError & {
    lines?: number;
    record?: unknown[];
    column?: unknown;
    bytes_records?: number;
  };
  if (typeof e?.code !== 'string') throw error;
  const endLine = typeof e.lines === 'number' ? e.lines : 1;
  if (e.code === 'CSV_QUOTE_NOT_CLOSED' && typeof e.bytes_records === 'number') {
    // csv-parse names the line where the file ends; the row is named by the line where it starts.
    const start = recordStartLine(body, e.bytes_records, header.length > 0, false);
    fail(
      { file, position: `line ${start}` },
      typeof e.column === 'string' ? e.column : '(csv)',
      'not valid CSV: Quote Not Closed: a quoted field opens in this row and the file ends before it is closed',
    );
  }
  if (e.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' || e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    const record = Array.isArray(e.record) ? e.record : [];
    const where = { file, position: `line ${endLine - newlines(record)}` };
    if (record.length > header.length) {
      fail(
        where,
        '(columns)',
        `row has ${record.length} fields, the header ${header.length}; extra: ${quote(record.slice(header.length))}`,
      );
    }
    fail(
      where,
      '(columns)',
      `row has ${record.length} fields, the header ${header.length}: ${quote(record)}`,
    );
  }
  const field = typeof e.column === 'string' ? e.column : '(csv)';
  fail({ file, position: `line ${endLine}` }, field, `not valid CSV: ${e.message}`);
}

/** Case- and separator-insensitive lookup of x_ columns: `x_ModelId`, `x_model_id` → `xmodelid`. */
function extensionKey(column: string): string {
  return column.toLowerCase().replace(/[_-]/g, '');
}

function normaliseProviderName(name: string): string {
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (key.startsWith('openai')) return 'openai';
  if (key.startsWith('anthropic')) return 'anthropic';
  if (key === 'aws' || key === 'awsmarketplace' || key.startsWith('amazonwebservices')) return 'aws';
  return name.trim().toLowerCase();
}

const MODEL_ID = new RegExp(
  [
    String.raw`(?<![\w.:-])(`,
    String.raw`(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?`,
    String.raw`(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.[a-z0-9][\w.:-]*`,
    String.raw`|(?:gpt|chatgpt|claude|text-embedding|dall-e|whisper|tts)-[\w.:-]+`,
    String.raw`|o[1-9](?:-[\w.:-]+)?`,
    ')',
  ].join(''),
  'i',
);

/** The first model id in a free text, lower-cased, or null. */
export function findModelId(text: string): string | null {
  const m = MODEL_ID.exec(text);
  if (!m?.[1]) return null;
  const id = m[1].replace(/[.:-]+$/, '').toLowerCase();
  return id === '' ? null : id;
}

/**
 * A free text as lower-case words, padded with spaces: split at camelCase (`CacheRead`, `APIInput`), after a
 * letter followed by a digit (`Write1h`) and at every character that is not a letter or digit.
 */
function wordsOf(text: string): string {
  return ` ${text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')} `;
}

/** Usage type named by a free text (a token type, usage type, meter or description), or null. */
export function classifyTokenText(text: string): Exclude<CostUsageType, 'other'> | null {
  const words = wordsOf(text);
  if (/ (cache read|cached input|cached prompt|cache hits?) /.test(words)) return 'cache_read';
  if (/ cache (write|writes|creation) /.test(words)) {
    return / 1 ?(h|hr|hours?) /.test(words) ? 'cache_write_1h' : 'cache_write';
  }
  const input = words.includes(' input ');
  const output = words.includes(' output ');
  if (output && !input) return 'output';
  if (input && !output) return 'input';
  return null;
}

/** Whether a free text names web search: `web search`, `WebSearch`, `web_search`, `websearch`… */
export function namesWebSearch(text: string): boolean {
  return / web ?search(es)? /.test(wordsOf(text));
}

const TIER_WORDS: readonly ServiceTier[] = ['batch', 'flex', 'priority'];

/** The one service tier other than standard a free text names (`Batch input tokens` → batch), or null. */
export function findServiceTier(text: string): ServiceTier | null {
  const words = wordsOf(text);
  const named = TIER_WORDS.filter((tier) => words.includes(` ${tier} `));
  return named.length === 1 ? (named[0] as ServiceTier) : null;
}

/** Whether a free text names long-context pricing: `long context`, `>200k`, `200k-1M` (100k and up). */
export function namesLongContext(text: string): boolean {
  return (
    / long context /.test(wordsOf(text)) ||
    />\s*\d{3,}\s*k\b/i.test(text) ||
    /\b\d{3,}\s*k\s*[-\u2013]\s*\d+(?:\.\d+)?\s*m\b/i.test(text)
  );
}

/** `x_ServiceTier` values: the contract's tiers, and `default` (OpenAI's name for standard). */
function explicitServiceTier(value: string): ServiceTier | null {
  const tier = value.toLowerCase();
  if (tier === 'default') return 'standard';
  return (SERVICE_TIERS as readonly string[]).includes(tier) ? (tier as ServiceTier) : null;
}

/** Multiplier of a unit counting `what` (`1K tokens` → 1000), or null when the unit does not count it. */
function unitScale(unit: string, what: RegExp): { pow10: number; count: string } | null {
  if (!what.test(unit)) return null;
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(k|m|thousand|million)?\b/i.exec(unit);
  const magnitude = (m?.[2] ?? '').toLowerCase();
  const pow10 =
    magnitude === 'k' || magnitude === 'thousand' ? 3 : magnitude === 'm' || magnitude === 'million' ? 6 : 0;
  return { pow10, count: m?.[1] ?? '1' };
}

/** Multiplier of a token unit (`1K tokens` → 1000), or null when the unit is not tokens. */
export function tokenUnitScale(unit: string): { pow10: number; count: string } | null {
  return unitScale(unit, /\btokens?\b/i);
}

/** Multiplier of a unit counting tool calls (`Requests`, `1K calls`), or null when it does not. */
export function callUnitScale(unit: string): { pow10: number; count: string } | null {
  return unitScale(unit, /\b(calls?|requests?|search(es)?)\b/i);
}

function optionalDecimal(raw: string, where: Where, field: string, pow10 = 0): number | null {
  if (raw.trim() === '') return null;
  const value = decimalText(raw, pow10);
  if (value === null) fail(where, field, `not a number: ${quote(raw)}`);
  return value;
}

export function normaliseFocus(text: string, sourceFile: string, options: NormaliseOptions = {}): CostLine[] {
  const body = fileBody(text, sourceFile).replace(/\r\n?/g, '\n');
  let header: string[] = [];
  let rows: ParsedRow[];
  try {
    rows = parse<ParsedRow>(body, {
      bom: true,
      columns: (names: string[]) => {
        if (names.length > CSV_COLUMNS_MAX) {
          fail(
            { file: sourceFile, position: 'line 1' },
            '(columns)',
            `the header has ${names.length} columns, more than ${CSV_COLUMNS_MAX} allowed`,
          );
        }
        header = names.map((name) => name.trim());
        return header;
      },
      info: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    return csvError(error, sourceFile, body, header);
  }

  const headerWhere = { file: sourceFile, position: 'line 1' };
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) fail(headerWhere, name, `column appears more than once in the header ${quote(name)}`);
    seen.add(name);
  }
  const missing: string[] = REQUIRED.filter((name) => !seen.has(name));
  if (!seen.has('ProviderName') && !seen.has('ServiceProviderName')) missing.push('ProviderName');
  if (missing.length > 0) {
    const also = missing.length > 1 ? ` (also missing: ${missing.slice(1).join(', ')})` : '';
    fail(headerWhere, missing[0] as string, `required column is missing${also}`);
  }
  if (rows.length === 0)
    fail({ file: sourceFile, position: 'line 2' }, '(file)', 'no lines after the header');

  const extension = new Map<string, string>();
  for (const name of header) if (name.toLowerCase().startsWith('x_')) extension.set(extensionKey(name), name);

  return rows.map(({ record, info }) => {
    const where = { file: sourceFile, position: `line ${info.lines - newlines(Object.values(record))}` };
    const cell = (name: string | undefined): string =>
      name === undefined ? '' : (record[name] ?? '').trim();
    const ext = (key: string): string => cell(extension.get(key));
    const firstOf = (...values: string[]): string => values.find((v) => v !== '') ?? '';

    const billed = amount(record.BilledCost ?? '', where, 'BilledCost');
    const cur = currency(cell('BillingCurrency'), where, 'BillingCurrency', options.usdOnly);
    const start = wholeHour(
      isoInstant(record.ChargePeriodStart, where, 'ChargePeriodStart'),
      record.ChargePeriodStart,
      where,
      'ChargePeriodStart',
    );
    const endRaw = record.ChargePeriodEnd;
    const end = periodEnd(
      start,
      wholeHour(isoInstant(endRaw, where, 'ChargePeriodEnd'), endRaw, where, 'ChargePeriodEnd'),
      endRaw,
      where,
      'ChargePeriodEnd',
    );
    const listCost = optionalDecimal(cell('ListCost'), where, 'ListCost');
    const quantityRaw = cell('ConsumedQuantity');
    optionalDecimal(quantityRaw, where, 'ConsumedQuantity'); // validated even when the unit is not tokens

    const providerColumn =
      cell('ServiceProviderName') !== '' || !seen.has('ProviderName')
        ? 'ServiceProviderName'
        : 'ProviderName';
    const providerName = cell(providerColumn);
    if (providerName === '') fail(where, providerColumn, 'is empty');
    let provider = normaliseProviderName(providerName);
    const viaAws = [provider, cell('HostProviderName'), cell('InvoiceIssuerName')].some(
      (name) => name !== '' && normaliseProviderName(name) === 'aws',
    );
    const mentions = [
      cell('ServiceName'),
      ext('xservicecode'),
      cell('SkuId'),
      cell('SkuMeter'),
      cell('ChargeDescription'),
    ];
    if (viaAws && mentions.some((t) => /bedrock/i.test(t))) provider = 'aws.bedrock';

    const explicitModel = firstOf(ext('xmodel'), ext('xmodelid'));
    const model =
      explicitModel !== ''
        ? explicitModel
        : ([cell('SkuMeter'), cell('ChargeDescription'), cell('SkuId')]
            .map(findModelId)
            .find((m) => m !== null) ?? null);

    const category = cell('ChargeCategory');
    const usage = category === '' || category.toLowerCase() === 'usage';
    const tokenScale = tokenUnitScale(cell('ConsumedUnit'));
    const [tokenType, usageColumn, meter, description, skuId] = [
      ext('xtokentype'),
      ext('xusagetype'),
      cell('SkuMeter'),
      cell('ChargeDescription'),
      cell('SkuId'),
    ];
    const texts = [tokenType, usageColumn, meter, description, skuId];
    let usageType: CostUsageType = 'other';
    if (usage && tokenScale === null) {
      if (texts.some(namesWebSearch)) usageType = 'tool:web_search';
    } else if (usage) {
      usageType = texts.map(classifyTokenText).find((u) => u !== null) ?? 'other';
    }

    // Tiers: the x_ServiceTier column when filled in; else, on token and tool rows only, the texts' words.
    const tierTexts = [tokenType, usageColumn, meter, cell('SkuPriceDetails'), description, skuId];
    const tierColumn = ext('xservicetier');
    let serviceTier: ServiceTier = 'standard';
    if (tierColumn !== '') {
      const tier = explicitServiceTier(tierColumn);
      // A tier we do not know keeps the row, as `other`: billed, never allocated at a guessed tier.
      if (tier === null) usageType = 'other';
      else serviceTier = tier;
    } else if (usageType !== 'other') {
      serviceTier = tierTexts.map(findServiceTier).find((t) => t !== null) ?? 'standard';
    }
    const contextTier: ContextTier =
      usageType !== 'other' && tierTexts.some(namesLongContext) ? 'long' : 'standard';

    const scale = usageType.startsWith('tool:') ? callUnitScale(cell('ConsumedUnit')) : tokenScale;
    let quantity: number | null = null;
    if (scale !== null && quantityRaw !== '') {
      quantity =
        (optionalDecimal(quantityRaw, where, 'ConsumedQuantity', scale.pow10) ?? 0) * Number(scale.count);
    }

    return {
      provider,
      billing_account_id: cell('BillingAccountId') || null,
      invoice_id: cell('InvoiceId') || null,
      charge_period_start: start,
      charge_period_end: end,
      model,
      usage_type: usageType,
      service_tier: serviceTier,
      context_tier: contextTier,
      consumed_quantity: quantity,
      billed_cost: billed,
      list_cost: listCost,
      currency: cur,
      sku: firstOf(cell('ChargeDescription'), cell('SkuMeter'), cell('SkuId'), category),
      source_format: 'focus',
      source_file: sourceFile,
    };
  });
}
