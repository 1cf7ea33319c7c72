import { describe, expect, it } from 'vitest';
import { normaliseInvoice } from '../../../src/core/costs/normalise/index.ts';
import { billedBy, expectRefusal, invoiceFixture } from './invoice-fixtures.ts';

const FILE = 'invoices/anthropic-cost-report/2026-10.json';
const OCT_1 = Date.parse('2026-10-01T00:00:00Z');
const OCT_2 = Date.parse('2026-10-02T00:00:00Z');
const OCT_3 = Date.parse('2026-10-03T00:00:00Z');

type Report = { data: { starting_at?: unknown; results: Record<string, unknown>[] }[] };

function fixtureReport(): Report {
  return JSON.parse(invoiceFixture('anthropic-cost-report-2026-10.json')) as Report;
}

describe('normaliseInvoice anthropic-cost-report', () => {
  it('reads every result as a cost line in dollars, from cents given as decimal strings', () => {
    // Prepare
    const text = invoiceFixture('anthropic-cost-report-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines).toHaveLength(10);
    expect(lines[0]).toEqual({
      provider: 'anthropic',
      billing_account_id: 'wrkspc_01Support',
      invoice_id: null,
      charge_period_start: OCT_1,
      charge_period_end: OCT_2,
      model: 'claude-sonnet-4-20250514',
      usage_type: 'input',
      consumed_quantity: null,
      billed_cost: 12.3456, // "1234.56" cents
      list_cost: null,
      currency: 'USD',
      sku: 'Claude Sonnet 4 Usage - Input Tokens',
      source_format: 'anthropic-cost-report',
      source_file: FILE,
    });
    expect(lines.map((l) => l.billed_cost)).toEqual([
      12.3456, 45.678912, 0.876543, 3.10125, 0.960008, 10, 6.150001, 22.8394, 12.0012, 0.05,
    ]);
  });

  it('totals exactly the hand-computed dollars of the report', () => {
    // Prepare: the amounts in cents add up to 11400.2914, i.e. $114.002914
    const text = invoiceFixture('anthropic-cost-report-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    const total = lines.reduce((sum, l) => sum + l.billed_cost, 0);
    expect(Math.abs(total - 114.002914)).toBeLessThan(1e-9);
  });

  it('splits the cost by workspace, the default workspace as null', () => {
    // Prepare
    const text = invoiceFixture('anthropic-cost-report-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    const byWorkspace = billedBy(
      lines,
      (l) => String(l.billing_account_id),
      (l) => l.billed_cost,
    );
    expect(Object.keys(byWorkspace).sort()).toEqual(['null', 'wrkspc_01Research', 'wrkspc_01Support']);
    expect(Math.abs((byWorkspace.wrkspc_01Support ?? 0) - 90.991706)).toBeLessThan(1e-9);
    expect(Math.abs((byWorkspace.wrkspc_01Research ?? 0) - 12.961208)).toBeLessThan(1e-9);
    expect(Math.abs((byWorkspace.null ?? 0) - 10.05)).toBeLessThan(1e-9);
  });

  it('converts bucket times with offsets to UTC', () => {
    // Prepare: the second bucket runs from "2026-10-02T02:00:00+02:00" to "2026-10-02T19:00:00-05:00"
    const text = invoiceFixture('anthropic-cost-report-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.slice(6).map((l) => [l.charge_period_start, l.charge_period_end])).toEqual([
      [OCT_2, OCT_3],
      [OCT_2, OCT_3],
      [OCT_2, OCT_3],
      [OCT_2, OCT_3],
    ]);
  });

  it('maps token types, both cache writes (5m and 1h) to cache_write, and other cost types to other', () => {
    // Prepare
    const text = invoiceFixture('anthropic-cost-report-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => [l.sku, l.model, l.usage_type])).toEqual([
      ['Claude Sonnet 4 Usage - Input Tokens', 'claude-sonnet-4-20250514', 'input'],
      ['Claude Sonnet 4 Usage - Output Tokens', 'claude-sonnet-4-20250514', 'output'],
      ['Claude Sonnet 4 Usage - Prompt Caching Read', 'claude-sonnet-4-20250514', 'cache_read'],
      ['Claude Sonnet 4 Usage - Prompt Caching Write (5m)', 'claude-sonnet-4-20250514', 'cache_write'],
      ['Claude Haiku 3.5 Usage - Input Tokens', 'claude-3-5-haiku-20241022', 'input'],
      ['Web Search Usage', null, 'other'],
      ['Claude Sonnet 4 Usage - Prompt Caching Write (1h)', 'claude-sonnet-4-20250514', 'cache_write'],
      ['Claude Sonnet 4 Usage - Output Tokens (Batch)', 'claude-sonnet-4-20250514', 'output'],
      ['Claude Haiku 3.5 Usage - Output Tokens', 'claude-3-5-haiku-20241022', 'output'],
      ['code_execution/-/-', null, 'other'],
    ]);
  });

  it('reads an array of pages as the same lines as one page holding all the buckets', () => {
    // Prepare
    const report = fixtureReport();
    const paged = [
      { data: report.data.slice(0, 1), has_more: true, next_page: 'page_MjAyNi0xMC0wMlQwMDowMDowMFo=' },
      { data: report.data.slice(1), has_more: false, next_page: null },
    ];

    // Act
    const fromPages = normaliseInvoice(JSON.stringify(paged), 'anthropic-cost-report', FILE);

    // Assess
    expect(fromPages).toEqual(normaliseInvoice(JSON.stringify(report), 'anthropic-cost-report', FILE));
  });

  it('shifts cent digits exactly: small, long and negative amounts', () => {
    // Prepare
    const report = {
      data: [
        {
          starting_at: '2026-10-01T00:00:00Z',
          ending_at: '2026-10-02T00:00:00Z',
          results: ['0.0001', '123456789.987654321', '-250.5', '0'].map((amount) => ({
            currency: 'usd',
            amount,
            cost_type: 'tokens',
            token_type: 'output_tokens',
            model: 'claude-opus-4-20250514',
          })),
        },
      ],
    };

    // Act
    const lines = normaliseInvoice(JSON.stringify(report), 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => l.billed_cost)).toEqual([0.000001, Number('1234567.89987654321'), -2.505, 0]);
    expect(lines.map((l) => l.currency)).toEqual(['USD', 'USD', 'USD', 'USD']);
  });
});

describe('normaliseInvoice anthropic-cost-report refuses a malformed file whole', () => {
  it('refuses an amount with a decimal comma, quoting it', () => {
    // Prepare
    const report = fixtureReport();
    const result = report.data[0]?.results[1];
    if (result) result.amount = '12,34';

    // Act
    const act = () => normaliseInvoice(JSON.stringify(report), 'anthropic-cost-report', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[0].results[1]',
      field: 'amount',
      quoted: '"12,34"',
    });
  });

  it('refuses a bucket start without a time zone', () => {
    // Prepare
    const report = fixtureReport();
    const bucket = report.data[1];
    if (bucket) bucket.starting_at = '2026-10-02T00:00:00';

    // Act
    const act = () => normaliseInvoice(JSON.stringify(report), 'anthropic-cost-report', FILE);

    // Assess
    const message = expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[1]',
      field: 'starting_at',
      quoted: '"2026-10-02T00:00:00"',
    });
    expect(message).toContain('time zone');
  });

  it('names the page of a paged export where a result lacks its amount', () => {
    // Prepare
    const report = fixtureReport();
    delete report.data[1]?.results[2]?.amount;
    const paged = [{ data: report.data.slice(0, 1) }, { data: report.data.slice(1) }];

    // Act
    const act = () => normaliseInvoice(JSON.stringify(paged), 'anthropic-cost-report', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'page 2, data[0].results[2]', field: 'amount' });
  });

  it('refuses a workspace id that is not a string', () => {
    // Prepare
    const report = fixtureReport();
    const result = report.data[0]?.results[4];
    if (result) result.workspace_id = 42;

    // Act
    const act = () => normaliseInvoice(JSON.stringify(report), 'anthropic-cost-report', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[0].results[4]',
      field: 'workspace_id',
      quoted: '42',
    });
  });

  it('refuses a page without data', () => {
    // Prepare
    const text = JSON.stringify([fixtureReport(), { has_more: false, next_page: null }]);

    // Act
    const act = () => normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expectRefusal(act, { file: FILE, position: 'page 2', field: 'data' });
  });
});
