import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK_FILE } from '../../src/assets.ts';
import { DataFileError } from '../../src/core/data-file-error.ts';
import { parsePriceBook } from '../../src/core/prices/price-book.ts';

const parse = (text: string) => parsePriceBook(text, 'prices.csv', 7);
const refusal = (text: string): string => {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
};

describe('parsePriceBook (docs/contracts.md §5)', () => {
  it('still loads the old 5- and 6-column files, as standard/standard prices', () => {
    const five = parse(
      'provider,model,usage_type,usd_per_million_tokens,effective_from\nopenai,m,input,2.5,2026-01-01',
    );
    const six = parse(
      'provider,model,usage_type,usd_per_million_tokens,effective_from,effective_to\nopenai,m,output,10,2026-01-01,2026-02-01',
    );
    expect(five).toEqual([
      {
        provider: 'openai',
        model: 'm',
        usage_type: 'input',
        service_tier: 'standard',
        context_tier: 'standard',
        long_context_above: null,
        usd_per_million_tokens: 2.5,
        effective_from: Date.parse('2026-01-01T00:00:00Z'),
        effective_to: null,
        source: 'prices.csv',
        ingested_at: 7,
        alias_of: null,
      },
    ]);
    expect(six[0]).toMatchObject({ usage_type: 'output', effective_to: Date.parse('2026-02-01T00:00:00Z') });
  });

  it('reads the optional columns by name, in any order', () => {
    const rows = parse(
      [
        'long_context_above,context_tier,service_tier,effective_from,usd_per_million_tokens,usage_type,model,provider',
        '200000,long,batch,2026-01-01,3,input,claude-x,anthropic',
        ',,,2026-01-01,6,cache_write_1h,claude-x,anthropic',
        ',standard,standard,2025-05-07,10000,tool:web_search,*,anthropic',
      ].join('\n'),
    );
    expect(rows.map((r) => [r.usage_type, r.service_tier, r.context_tier, r.long_context_above])).toEqual([
      ['input', 'batch', 'long', 200_000],
      ['cache_write_1h', 'standard', 'standard', null],
      ['tool:web_search', 'standard', 'standard', null],
    ]);
  });

  const HEADER =
    'provider,model,usage_type,service_tier,context_tier,long_context_above,usd_per_million_tokens,effective_from';
  const bad = (row: string) => refusal(`${HEADER}\nopenai,m,input,standard,standard,,1,2026-01-01\n${row}`);

  it.each([
    ['openai,m,input,gold,standard,,1,2026-01-01', 'service_tier', '"gold"'],
    ['openai,m,input,standard,huge,,1,2026-01-01', 'context_tier', '"huge"'],
    [
      'openai,m,input,standard,long,,1,2026-01-01',
      'long_context_above',
      'required on context_tier=long rows',
    ],
    ['openai,m,input,standard,standard,1000,1,2026-01-01', 'long_context_above', '"1000"'],
    ['openai,m,input,standard,long,12k,1,2026-01-01', 'long_context_above', '"12k"'],
    ['openai,m,tool:web_search,standard,standard,,1,2026-01-01', 'model', '"m"'],
    ['openai,*,input,standard,standard,,1,2026-01-01', 'model', 'tool:<name>'],
    ['openai,*,tool:Web Search,standard,standard,,1,2026-01-01', 'usage_type', '"tool:Web Search"'],
    ['openai,*,tool:web_search,batch,standard,,1,2026-01-01', 'service_tier', 'standard tiers only'],
    ['openai,m,reasoning,standard,standard,,1,2026-01-01', 'usage_type', '"reasoning"'],
  ])('refuses %s naming line 3, %s and %s', (row, field, text) => {
    const message = bad(row);
    expect(message).toContain('line 3');
    expect(message).toContain(field);
    expect(message).toContain(text);
  });

  it('reads alias rows: the alias in model, the snapshot in alias_of, no price', () => {
    const [row] = parse(
      'provider,model,usage_type,usd_per_million_tokens,effective_from,alias_of\nopenai,gpt-4o-mini,alias,,2024-07-18,gpt-4o-mini-2024-07-18',
    );
    expect(row).toMatchObject({
      model: 'gpt-4o-mini',
      usage_type: 'alias',
      alias_of: 'gpt-4o-mini-2024-07-18',
      usd_per_million_tokens: 0,
    });
  });

  it.each([
    ['openai,m,alias,,2026-01-01,', 'alias_of', 'required on usage_type alias rows'],
    ['openai,m,alias,,2026-01-01,m', 'alias_of', 'is the alias itself'],
    ['openai,m,alias,2.5,2026-01-01,m-2026', 'usd_per_million_tokens', 'prices nothing'],
    ['openai,m,input,2.5,2026-01-01,m-2026', 'alias_of', 'only for usage_type alias rows'],
  ])('refuses the alias row %s naming %s', (row, field, text) => {
    const message = refusal(
      `provider,model,usage_type,usd_per_million_tokens,effective_from,alias_of\n${row}`,
    );
    expect(message).toContain('line 2');
    expect(message).toContain(field);
    expect(message).toContain(text);
  });

  it('refuses two thresholds for one model and date, naming both lines', () => {
    const message = refusal(
      [
        HEADER,
        'anthropic,c,input,standard,long,200000,6,2026-01-01',
        'anthropic,c,output,standard,long,128000,22.5,2026-01-01',
      ].join('\n'),
    );
    expect(message).toContain('line 3');
    expect(message).toContain('128000 differs from 200000 on line 2');
  });
});

describe('the shipped default price book', () => {
  const rows = parsePriceBook(readFileSync(DEFAULT_PRICE_BOOK_FILE, 'utf8'), 'default', 0);
  const price = (model: string, usage: string, tier = 'standard', context = 'standard') =>
    rows.find(
      (r) =>
        r.model === model && r.usage_type === usage && r.service_tier === tier && r.context_tier === context,
    )?.usd_per_million_tokens;

  it('resolves the common aliases to the snapshots it prices', () => {
    const aliases = rows.filter((r) => r.usage_type === 'alias');
    expect(aliases.length).toBeGreaterThan(5);
    for (const a of aliases) {
      expect(rows.some((r) => r.model === a.alias_of && r.usage_type === 'input')).toBe(true);
    }
    expect(aliases.find((a) => a.model === 'gpt-4o-mini')?.alias_of).toBe('gpt-4o-mini-2024-07-18');
  });

  it('says the date its prices were taken', () => {
    expect(readFileSync(DEFAULT_PRICE_BOOK_FILE, 'utf8')).toMatch(/^# .*\n# Taken \d{4}-\d{2}-\d{2} /);
  });

  it('has batch rows at half the standard price, where the provider offers the Batch API', () => {
    for (const model of ['gpt-4o-mini-2024-07-18', 'gpt-5-2025-08-07', 'claude-sonnet-4-5-20250929']) {
      for (const usage of ['input', 'output']) {
        expect(price(model, usage, 'batch')).toBeCloseTo((price(model, usage) ?? Number.NaN) / 2, 9);
      }
    }
  });

  it('has long-context rows with their threshold, 1-hour cache writes at 2× input and web search per call', () => {
    const long = rows.filter((r) => r.context_tier === 'long');
    expect(long.length).toBeGreaterThan(0);
    for (const r of long) expect(r.long_context_above).toBe(200_000);
    expect(price('claude-sonnet-4-5-20250929', 'input', 'standard', 'long')).toBe(6);
    expect(price('claude-sonnet-4-5-20250929', 'cache_write_1h')).toBe(
      2 * (price('claude-sonnet-4-5-20250929', 'input') ?? 0),
    );
    // $10 per 1,000 calls = $10,000 per million.
    expect(
      rows
        .filter((r) => r.usage_type === 'tool:web_search')
        .map((r) => [r.provider, r.model, r.usd_per_million_tokens]),
    ).toEqual([
      ['openai', '*', 10_000],
      ['anthropic', '*', 10_000],
    ]);
  });
});
