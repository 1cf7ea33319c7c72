/**
 * `focus`: a FOCUS 1.x cost and usage CSV (FinOps Open Cost and Usage Specification). How a row becomes a
 * cost line — the model and usage type are our design, FOCUS has no columns for them:
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
 *   2. ConsumedUnit not naming tokens (no word `token`/`tokens`, empty or absent) → `other`;
 *   3. the first of `x_TokenType`, `x_UsageType`, SkuMeter, ChargeDescription, SkuId whose text
 *      classifies: cache read (`cache read`, `cached input`, `cached prompt`, `cache hit`) → cache_read;
 *      cache write (`cache write`, `cache creation`) → cache_write; `output` without `input` → output;
 *      `input` without `output` → input. The text is split at camelCase and `_ - . / :` first, so
 *      `cache_read_input_tokens`, `CacheWriteInputTokenCount` and `USE1-Claude3.5Sonnet-input-tokens`
 *      classify; `uncached input` is input;
 *   4. nothing classifies → `other`.
 * - consumed_quantity: ConsumedQuantity when the unit names tokens, times the unit's leading scale:
 *   `1K tokens` / `K tokens` / `Thousand tokens` ×1 000, `1M tokens` / `Million tokens` ×1 000 000,
 *   `1000 tokens` ×1 000; plain `Tokens` ×1. Empty → null; not a token unit → null.
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
import { type CsvError, parse } from 'csv-parse/sync';
import { recordStartLine } from '../../csv-rows.ts';
import type { CostLine, CostUsageType } from '../cost-line.ts';
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

/** Usage type named by a free text (a token type, usage type, meter or description), or null. */
export function classifyTokenText(text: string): Exclude<CostUsageType, 'other'> | null {
  const words = ` ${text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')} `;
  if (/ (cache read|cached input|cached prompt|cache hits?) /.test(words)) return 'cache_read';
  if (/ cache (write|writes|creation) /.test(words)) return 'cache_write';
  const input = words.includes(' input ');
  const output = words.includes(' output ');
  if (output && !input) return 'output';
  if (input && !output) return 'input';
  return null;
}

/** Multiplier of a token unit (`1K tokens` → 1000), or null when the unit is not tokens. */
export function tokenUnitScale(unit: string): { pow10: number; count: string } | null {
  if (!/\btokens?\b/i.test(unit)) return null;
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(k|m|thousand|million)?\b/i.exec(unit);
  const magnitude = (m?.[2] ?? '').toLowerCase();
  const pow10 =
    magnitude === 'k' || magnitude === 'thousand' ? 3 : magnitude === 'm' || magnitude === 'million' ? 6 : 0;
  return { pow10, count: m?.[1] ?? '1' };
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
    const start = isoInstant(record.ChargePeriodStart, where, 'ChargePeriodStart');
    const endRaw = record.ChargePeriodEnd;
    const end = periodEnd(
      start,
      isoInstant(endRaw, where, 'ChargePeriodEnd'),
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
    const scale = tokenUnitScale(cell('ConsumedUnit'));
    let usageType: CostUsageType = 'other';
    if ((category === '' || category.toLowerCase() === 'usage') && scale !== null) {
      const sources = [
        ext('xtokentype'),
        ext('xusagetype'),
        cell('SkuMeter'),
        cell('ChargeDescription'),
        cell('SkuId'),
      ];
      usageType = sources.map(classifyTokenText).find((u) => u !== null) ?? 'other';
    }
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
