import { describe, expect, it } from 'vitest';
import { normaliseInvoice } from '../../../src/core/costs/normalise/index.ts';
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
      consumed_quantity: 1_500_500, // 1500.5 × "1K tokens"
      billed_cost: 4.5015,
      list_cost: 4.5015,
      currency: 'USD',
      sku: '$3.00 per million input tokens for anthropic.claude-3-5-sonnet-20241022-v2:0, US East (N. Virginia)',
      source_format: 'focus',
      source_file: FILE,
    });
  });

  it('derives provider, model, usage type and tokens for every row; non-usage and non-token rows are other', () => {
    // Prepare
    const text = invoiceFixture('focus-2026-10.csv');

    // Act
    const lines = normaliseInvoice(text, 'focus', FILE);

    // Assess
    const bedrock = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
    expect(lines.map((l) => [l.provider, l.model, l.usage_type, l.consumed_quantity])).toEqual([
      ['openai', 'gpt-4o-2024-08-06', 'input', 500_000], // x_Model, x_TokenType
      ['openai', 'gpt-4o-mini-2024-07-18', 'cache_read', 500_000], // model and type from SkuMeter
      ['openai', 'gpt-4o-2024-08-06', 'output', 240_000],
      ['openai', 'gpt-4o-2024-08-06', 'other', null], // unit Requests
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
      ['Web search tool calls, gpt-4o', 0.4, 0.4],
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
});
