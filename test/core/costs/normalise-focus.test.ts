import { describe, expect, it } from 'vitest';
import {
  callUnitScale,
  classifyTokenText,
  findServiceTier,
  namesLongContext,
  namesWebSearch,
  normaliseInvoice,
} from '../../../src/core/costs/normalise/index.ts';
import { expectRefusal, invoiceFixture } from './invoice-fixtures.ts';

const FILE = 'invoices/focus/2026-10.csv';
const OCT_1 = Date.parse('2026-10-01T00:00:00Z');
const HOUR = 3_600_000;

/** The fixture's lines; index 0 is file line 1 (the header). */
function fixtureLines(): string[] {
  return invoiceFixture('focus-2026-10.csv').trimEnd().split('\n');
}

/** A small FOCUS 1.2 file: a header with the columns named, then rows. */
function focus12(columns: string[], ...rows: string[]): string {
  return [columns.join(','), ...rows].join('\n');
}

const MINIMAL = [
  'BilledCost',
  'BillingCurrency',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ServiceProviderName',
];

describe('normaliseInvoice focus', () => {
  it('refuses a charge period that does not start on a whole UTC hour, naming the field and the value', () => {
    // Prepare: requests are matched to periods by the hour they started in (the daily rollups keep hours)
    const text = focus12(MINIMAL, '1.00,USD,2026-10-01T00:30:00Z,2026-10-02T00:00:00Z,OpenAI');

    // Act
    const act = () => normaliseInvoice(text, 'focus', FILE);

    // Assess
    const message = expectRefusal(act, {
      file: FILE,
      position: 'line 2',
      field: 'ChargePeriodStart',
      quoted: '"2026-10-01T00:30:00Z"',
    });
    expect(message).toMatch(/whole UTC hour/);
    expect(() =>
      normaliseInvoice(
        focus12(MINIMAL, '1.00,USD,2026-10-01T00:00:00Z,2026-10-01T23:59:59Z,OpenAI'),
        'focus',
        FILE,
      ),
    ).toThrow(/ChargePeriodEnd: is not on a whole UTC hour/);
    expect(
      normaliseInvoice(
        focus12(MINIMAL, '1.00,USD,2026-10-01T05:00:00+02:00,2026-10-01T04:00:00Z,OpenAI'),
        'focus',
        FILE,
      ),
    ).toHaveLength(1);
  });

  it('reads an OpenAI token row with x_ columns into a full cost line', () => {
    // Prepare
    const text = invoiceFixture('focus-2026-10.csv');

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines).toHaveLength(10);
    expect(lines[0]).toEqual({
      provider: 'openai',
      billing_account_id: 'org-acme',
      invoice_id: 'INV-OAI-2026-10',
      charge_period_start: OCT_1,
      charge_period_end: Date.parse('2026-10-02T00:00:00Z'),
      model: 'gpt-4o-2024-08-06',
      usage_type: 'input',
      service_tier: 'standard',
      context_tier: 'standard',
      consumed_quantity: 500_000,
      billed_cost: 1.25,
      list_cost: 1.25,
      currency: 'USD',
      sku: 'gpt-4o-2024-08-06, input tokens',
      source_format: 'focus',
      source_file: FILE,
    });
  });

  it('reads a Bedrock row: provider aws.bedrock, model id from the quoted description, 1K-token units', () => {
    // Prepare
    const text = invoiceFixture('focus-2026-10.csv');

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines[4]).toEqual({
      provider: 'aws.bedrock',
      billing_account_id: '123456789012',
      invoice_id: 'INV-AWS-2026-10-001',
      charge_period_start: OCT_1,
      charge_period_end: OCT_1 + HOUR,
      model: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      usage_type: 'input',
      service_tier: 'standard',
      context_tier: 'standard',
      consumed_quantity: 1_500_500, // 1500.5 × "1K tokens"
      billed_cost: 4.5015,
      list_cost: 4.5015,
      currency: 'USD',
      sku: '$3.00 per million input tokens for anthropic.claude-3-5-sonnet-20241022-v2:0, US East (N. Virginia)',
      source_format: 'focus',
      source_file: FILE,
    });
  });

  it('derives provider, model, usage type and quantity per row; web search is a tool, the rest other', () => {
    // Prepare
    const text = invoiceFixture('focus-2026-10.csv');

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    const bedrock = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
    expect(lines.every((l) => l.service_tier === 'standard' && l.context_tier === 'standard')).toBe(true);
    expect(lines.map((l) => [l.provider, l.model, l.usage_type, l.consumed_quantity])).toEqual([
      ['openai', 'gpt-4o-2024-08-06', 'input', 500_000], // x_Model, x_TokenType
      ['openai', 'gpt-4o-mini-2024-07-18', 'cache_read', 500_000], // model and type from SkuMeter
      ['openai', 'gpt-4o-2024-08-06', 'output', 240_000],
      ['openai', 'gpt-4o-2024-08-06', 'tool:web_search', 50], // "Web search calls", 50 Requests
      ['aws.bedrock', bedrock, 'input', 1_500_500], // x_UsageType USE1-Claude3.5Sonnet-input-tokens
      ['aws.bedrock', bedrock, 'output', 240_000], // x_UsageType …OutputTokenCount-Units
      ['aws.bedrock', bedrock, 'cache_write', 100_000], // …CacheWriteInputTokenCount-Units
      ['aws.bedrock', null, 'other', null], // Tax
      ['openai', null, 'other', null], // Credit
      ['aws', null, 'other', null], // EC2, unit Hours
    ]);
  });

  it('keeps tax and credit rows with their amounts, so the lines add up to the invoice', () => {
    // Prepare
    const text = invoiceFixture('focus-2026-10.csv');

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(
      lines.filter((l) => l.usage_type === 'other').map((l) => [l.sku, l.billed_cost, l.list_cost]),
    ).toEqual([
      ['Tax for Amazon Bedrock, October 2026', 0.85, null],
      ['Promotional credit, API', -5, null],
      ['$0.0116 per On Demand Linux t3.micro Instance Hour', 0.0116, 0.0116],
    ]);
    expect(Math.abs(lines.reduce((sum, l) => sum + l.billed_cost, 0) - 8.4256)).toBeLessThan(1e-9);
  });

  it('reads FOCUS 1.2 ServiceProviderName, Bedrock resold by AWS, x_ columns in any case and 1M-token units', () => {
    // Prepare
    const text = focus12(
      [
        ...MINIMAL,
        'HostProviderName',
        'ServiceName',
        'ConsumedQuantity',
        'ConsumedUnit',
        'x_model_id',
        'x_token_type',
      ],
      '0.0036,usd,2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,Anthropic,AWS,Amazon Bedrock,0.0012,1M tokens,us.anthropic.claude-sonnet-4-20250514-v1:0,output',
      '0.36,EUR,2026-10-01T00:00:00+02:00,2026-10-01T01:00:00+02:00,Anthropic,,Claude API,120000,Tokens,claude-sonnet-4-20250514,cache_read_input_tokens',
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.provider, l.model, l.usage_type, l.consumed_quantity, l.currency])).toEqual([
      ['aws.bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0', 'output', 1200, 'USD'],
      ['anthropic', 'claude-sonnet-4-20250514', 'cache_read', 120_000, 'EUR'],
    ]);
    expect(lines[1]?.charge_period_start).toBe(Date.parse('2026-09-30T22:00:00Z'));
  });

  it('reads a file with a byte order mark and CRLF line ends', () => {
    // Prepare
    const text = `\uFEFF${fixtureLines().join('\r\n')}\r\n`;

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines).toEqual(normaliseInvoice(invoiceFixture('focus-2026-10.csv'), 'focus', FILE));
  });
});

/** Rows of one hour of OpenAI usage, 1000 of `unit` each, $1, with these columns after the minimal ones. */
function focusRows(columns: string[], unit: string, ...cells: string[][]): string {
  return focus12(
    [...MINIMAL, 'ConsumedQuantity', 'ConsumedUnit', 'x_Model', ...columns],
    ...cells.map((row) =>
      [
        '1',
        'USD',
        '2026-10-01T00:00:00Z',
        '2026-10-01T01:00:00Z',
        'OpenAI',
        '1000',
        unit,
        'gpt-4o',
        ...row,
      ].join(','),
    ),
  );
}

describe('normaliseInvoice focus: service tier, context tier, 1-hour cache writes and tools', () => {
  it('takes the service tier from an x_ServiceTier column, in any case, default as standard', () => {
    // Prepare
    const text = focusRows(
      ['x_ServiceTier', 'SkuMeter'],
      'Tokens',
      ['batch', 'Input tokens'],
      ['Flex', 'Output tokens'],
      ['PRIORITY', 'Cached input tokens'],
      ['standard', 'Batch input tokens'], // the column wins over the words
      ['default', 'Input tokens'],
      ['', 'Priority output tokens'], // empty: the words decide
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier, l.consumed_quantity])).toEqual([
      ['input', 'batch', 1000],
      ['output', 'flex', 1000],
      ['cache_read', 'priority', 1000],
      ['input', 'standard', 1000],
      ['input', 'standard', 1000],
      ['output', 'priority', 1000],
    ]);
  });

  it('reads x_service_tier too, and keeps a row of a tier it does not know as other at standard', () => {
    // Prepare
    const text = focusRows(
      ['x_service_tier', 'SkuMeter'],
      'Tokens',
      ['scale', 'Input tokens'],
      ['auto', 'Web search calls'],
      ['batch', 'Output tokens'],
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier, l.billed_cost, l.sku])).toEqual([
      ['other', 'standard', 1, 'Input tokens'],
      ['other', 'standard', 1, 'Web search calls'],
      ['output', 'batch', 1, 'Output tokens'],
    ]);
  });

  it('finds batch, flex and priority in the meter, price details, description or SKU of token rows', () => {
    // Prepare
    const text = focusRows(
      ['SkuMeter', 'SkuPriceDetails', 'ChargeDescription', 'SkuId'],
      '1K tokens',
      ['Batch input tokens', '', '', ''],
      ['Output tokens', '"{""ServiceTier"":""Flex""}"', '', ''],
      ['Input tokens', '', '"gpt-4o, priority input tokens"', ''],
      ['Cached input tokens', '', '', 'oai-gpt-4o-BatchCachedInput'],
      ['Output tokens', '', 'batch_output', ''],
      ['Input tokens', '', '', ''],
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier, l.context_tier, l.consumed_quantity])).toEqual([
      ['input', 'batch', 'standard', 1_000_000],
      ['output', 'flex', 'standard', 1_000_000],
      ['input', 'priority', 'standard', 1_000_000],
      ['cache_read', 'batch', 'standard', 1_000_000],
      ['output', 'batch', 'standard', 1_000_000],
      ['input', 'standard', 'standard', 1_000_000],
    ]);
  });

  it('reads only whole tier words, skips a text naming two tiers, and leaves non-token rows standard', () => {
    // Prepare
    const text = focus12(
      [...MINIMAL, 'ChargeCategory', 'ConsumedUnit', 'SkuMeter', 'ChargeDescription'],
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,Tokens,Batched input tokens,',
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,Tokens,Flexible output tokens,',
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,Tokens,Batch or priority input,flex',
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Purchase,,Priority support,Long context plan',
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,Hours,Batch fine-tuning >200k,',
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier, l.context_tier])).toEqual([
      ['input', 'standard', 'standard'],
      ['output', 'standard', 'standard'],
      ['input', 'flex', 'standard'], // the meter names two tiers; the description one
      ['other', 'standard', 'standard'],
      ['other', 'standard', 'standard'],
    ]);
  });

  it('marks token rows long context on "long context", ">200k" or "200k-1M" text, not on "0-200k"', () => {
    // Prepare
    const text = focusRows(
      ['SkuMeter', 'SkuPriceDetails', 'ChargeDescription', 'x_UsageType'],
      'Tokens',
      ['Long context input tokens', '', '', ''],
      ['Input tokens', '', '"Claude Sonnet 4, long-context output, >200k"', ''],
      ['Output tokens', '', 'Output tokens > 128K', ''],
      ['Input tokens', '"{""ContextWindow"":""200k-1M""}"', '', ''],
      ['Input tokens', '', '', 'USE1-LongContext-input-tokens'],
      ['Input tokens', '"{""ContextWindow"":""0-200k""}"', 'Input tokens up to 200k', ''],
      ['Batch input tokens', '', 'Input tokens 200K - 1M', ''],
      ['Input tokens', '', 'Input tokens >32k', ''],
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier, l.context_tier])).toEqual([
      ['input', 'standard', 'long'],
      ['input', 'standard', 'long'], // the meter classifies: input
      ['output', 'standard', 'long'],
      ['input', 'standard', 'long'],
      ['input', 'standard', 'long'],
      ['input', 'standard', 'standard'],
      ['input', 'batch', 'long'],
      ['input', 'standard', 'standard'], // below 100k: not read as a context tier
    ]);
  });

  it('maps 1-hour cache writes to cache_write_1h and others to cache_write', () => {
    // Prepare
    const text = focusRows(
      ['x_TokenType', 'SkuMeter'],
      'Tokens',
      ['', 'Cache write (1h) input tokens'],
      ['', '1-hour cache write tokens'],
      ['', 'Cache writes 1 hour'],
      ['cache_write_1h', ''],
      ['cache_creation.ephemeral_1h_input_tokens', ''],
      ['', 'Cache write (5m) input tokens'],
      ['cache_creation.ephemeral_5m_input_tokens', 'Cache write 1h'], // x_TokenType comes first
      ['', 'Cache read 1h'],
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => l.usage_type)).toEqual([
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write',
      'cache_write',
      'cache_read',
    ]);
  });

  it('maps web search rows billed per call to tool:web_search, with the calls as quantity', () => {
    // Prepare
    const text = focus12(
      [...MINIMAL, 'ChargeCategory', 'ConsumedQuantity', 'ConsumedUnit', 'SkuMeter', 'SkuId', 'x_Model'],
      '0.5,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,50,Requests,Web search calls,,gpt-4o',
      '10,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Anthropic,,1,1K searches,Web Searches,,',
      '0.1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,,,,oai-WebSearch-batch,',
      '0.2,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,20,Hours,web_search,,',
      '0.3,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,3000,Tokens,Web search input,,gpt-4o',
      '0.4,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Tax,4,Requests,Web search calls,,',
      '0.6,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Usage,6,Requests,File search calls,,',
    );

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    expect(lines.map((l) => [l.model, l.usage_type, l.service_tier, l.consumed_quantity])).toEqual([
      ['gpt-4o', 'tool:web_search', 'standard', 50],
      [null, 'tool:web_search', 'standard', 1000],
      [null, 'tool:web_search', 'batch', null], // no unit, no quantity
      [null, 'tool:web_search', 'standard', null], // hours are not calls
      ['gpt-4o', 'input', 'standard', 3000], // tokens: classified as tokens
      [null, 'other', 'standard', null], // tax
      [null, 'other', 'standard', null], // not web search
    ]);
  });
});

describe('focus text rules', () => {
  it('classifies cache writes by their duration', () => {
    // Act
    const types = [
      'Cache write (1h)',
      'CacheWrite1Hour',
      'cache write 1 hr',
      'cache_creation.ephemeral_1h_input_tokens',
      'USE1-MP:USE1_CacheWrite1hInputTokenCount-Units',
      'CacheWrite1HInputTokens',
      'cache write 5m',
      'cache write 11h',
      'cache write',
    ].map(classifyTokenText);

    // Assess
    expect(types).toEqual([
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write_1h',
      'cache_write',
      'cache_write',
      'cache_write',
    ]);
  });

  it('finds one service tier word, web search and long context only in clear words', () => {
    // Act
    const tiers = [
      'Batch API input',
      'flex_output',
      'PriorityInput',
      'batched',
      'Batch/Flex',
      'standard',
    ].map(findServiceTier);
    const search = [
      'Web search calls',
      'WebSearch',
      'web-searches',
      'websearch',
      'webs search',
      'research',
    ].map(namesWebSearch);
    const long = ['Long Context', 'long_context', '>200k', '200k-1M', '0-200k', '>20k', 'longer context'].map(
      namesLongContext,
    );

    // Assess
    expect(tiers).toEqual(['batch', 'flex', 'priority', null, null, null]);
    expect(search).toEqual([true, true, true, true, false, false]);
    expect(long).toEqual([true, true, true, true, false, false, false]);
  });

  it('scales call units like token units, and refuses neither', () => {
    // Act
    const scales = ['Requests', '1K calls', 'Thousand searches', 'Tokens', 'Hours'].map(callUnitScale);

    // Assess
    expect(scales).toEqual([
      { pow10: 0, count: '1' },
      { pow10: 3, count: '1' },
      { pow10: 3, count: '1' },
      null,
      null,
    ]);
  });
});

describe('normaliseInvoice focus refuses a malformed file whole', () => {
  it('names a missing required column at line 1', () => {
    // Prepare
    const [header = '', ...rows] = fixtureLines();
    const text = [header.replace('BillingCurrency', 'Currency'), ...rows].join('\n');

    // Act
    const act = () => normaliseInvoice(text, 'focus', FILE);

    // Assess
    const message = expectRefusal(act, { file: FILE, position: 'line 1', field: 'BillingCurrency' });
    expect(message).toContain('missing');
  });

  it('names a row with an extra field, quoting it', () => {
    // Prepare
    const lines = fixtureLines();
    lines[5] = `${lines[5]},surplus`;

    // Act
    const act = () => normaliseInvoice(lines.join('\n'), 'focus', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'line 6', field: '(columns)', quoted: '["surplus"]' });
  });

  it('names a non-numeric BilledCost, quoting it', () => {
    // Prepare
    const lines = fixtureLines();
    lines[7] = (lines[7] ?? '').replace(',USD,0.375,', ',USD,"0,375",');

    // Act
    const act = () => normaliseInvoice(lines.join('\n'), 'focus', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'line 8', field: 'BilledCost', quoted: '"0,375"' });
  });

  it('names a ChargePeriodStart without a time zone', () => {
    // Prepare
    const lines = fixtureLines();
    lines[2] = (lines[2] ?? '').replace('2026-10-01T00:00:00Z', '2026-10-01T00:00:00');

    // Act
    const act = () => normaliseInvoice(lines.join('\n'), 'focus', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'line 3',
      field: 'ChargePeriodStart',
      quoted: '"2026-10-01T00:00:00"',
    });
  });

  it('counts lines of a quoted field that spans lines, naming a row by its first line', () => {
    // Prepare: the first row's description spans lines 2–4; the bad row is line 5
    const text = focus12(
      [...MINIMAL, 'ChargeDescription'],
      '1.00,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,"Fine-tuning, training',
      'hours',
      'second part"',
      '2.00,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,"Support,',
      'plan"',
      'abc,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,Storage',
    );

    // Act
    const act = () => normaliseInvoice(text, 'focus', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'line 7', field: 'BilledCost', quoted: '"abc"' });
  });

  it('refuses a non-numeric ConsumedQuantity even on a row that is not tokens', () => {
    // Prepare
    const text = focus12(
      [...MINIMAL, 'ConsumedQuantity', 'ConsumedUnit'],
      '0.5,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,50,Requests',
      '0.5,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,fifty,Requests',
    );

    // Act
    const act = () => normaliseInvoice(text, 'focus', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'line 3', field: 'ConsumedQuantity', quoted: '"fifty"' });
  });

  it('refuses a header without rows, and a header naming a column twice', () => {
    // Prepare
    const headerOnly = `${MINIMAL.join(',')}\n`;
    const twice = focus12(
      [...MINIMAL, 'BilledCost'],
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,2',
    );

    // Act
    const actHeaderOnly = () => normaliseInvoice(headerOnly, 'focus', FILE);
    const actTwice = () => normaliseInvoice(twice, 'focus', FILE);

    // Assess
    expect(expectRefusal(actHeaderOnly, { file: FILE, position: 'line 2', field: '(file)' })).toContain(
      'no lines',
    );
    expectRefusal(actTwice, { file: FILE, position: 'line 1', field: 'BilledCost' });
  });

  it('refuses a file without a provider column, and a row with an invalid currency', () => {
    // Prepare
    const noProvider = focus12(MINIMAL.slice(0, 4), '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z');
    const badCurrency = focus12(MINIMAL, '1,US$,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI');

    // Act
    const actNoProvider = () => normaliseInvoice(noProvider, 'focus', FILE);
    const actBadCurrency = () => normaliseInvoice(badCurrency, 'focus', FILE);

    // Assess
    expectRefusal(actNoProvider, { file: FILE, position: 'line 1', field: 'ProviderName' });
    expectRefusal(actBadCurrency, {
      file: FILE,
      position: 'line 2',
      field: 'BillingCurrency',
      quoted: '"US$"',
    });
  });

  it('refuses a charge period that ends before it starts', () => {
    // Prepare
    const text = focus12(MINIMAL, '1,USD,2026-10-02T00:00:00Z,2026-10-01T00:00:00Z,OpenAI');

    // Act
    const act = () => normaliseInvoice(text, 'focus', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'line 2',
      field: 'ChargePeriodEnd',
      quoted: '"2026-10-01T00:00:00Z"',
    });
  });

  it('refuses an unclosed quote, naming the line it opens on', () => {
    // Prepare
    const text = focus12(
      [...MINIMAL, 'ChargeDescription'],
      '1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,OpenAI,"API',
    );

    // Act
    const act = () => normaliseInvoice(text, 'focus', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'line 2', field: 'ChargeDescription' });
  });

  // Was a finding (issue 13): a header with a million extra columns was accepted using ~520 MB.
  it('refuses a header of more than 1,000 columns at line 1, naming the count', () => {
    const header = [
      'BilledCost',
      'BillingCurrency',
      'ChargePeriodStart',
      'ChargePeriodEnd',
      'ProviderName',
      ...Array.from({ length: 1000 }, (_, i) => `x_extra${i}`),
    ].join(',');
    const message = expectRefusal(
      () =>
        normaliseInvoice(
          `${header}\n1,USD,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,AWS\n`,
          'focus',
          'wide.csv',
        ),
      { file: 'wide.csv', position: 'line 1', field: '(columns)' },
    );
    expect(message).toContain('the header has 1005 columns, more than 1000 allowed');
  });
});
