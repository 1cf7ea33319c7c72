import { describe, expect, it } from 'vitest';
import { normaliseInvoice } from '../../../src/core/costs/normalise/index.ts';
import { billedBy, expectRefusal, invoiceFixture } from './invoice-fixtures.ts';

const FILE = 'invoices/anthropic-cost-report/2026-10.json';
const OCT_1 = Date.parse('2026-10-01T00:00:00Z');
const OCT_2 = Date.parse('2026-10-02T00:00:00Z');
const OCT_3 = Date.parse('2026-10-03T00:00:00Z');

type Report = { data: { starting_at?: unknown; results: Record<string, unknown>[] }[] };

const SONNET = 'claude-sonnet-4-20250514';
const HAIKU = 'claude-3-5-haiku-20241022';

/**
 * A report of one day whose results are an output-token line of Sonnet 4 ($1, standard tier, 0-200k)
 * with each of these fields changed (`{}` keeps it; a field set to `undefined` is left out).
 */
function oneBucket(...changes: Record<string, unknown>[]): string {
  const base = {
    currency: 'USD',
    amount: '100',
    workspace_id: null,
    description: null,
    cost_type: 'tokens',
    model: SONNET,
    service_tier: 'standard',
    token_type: 'output_tokens',
    context_window: '0-200k',
  };
  return JSON.stringify({
    data: [
      {
        starting_at: '2026-10-01T00:00:00Z',
        ending_at: '2026-10-02T00:00:00Z',
        results: changes.map((change) => ({ ...base, ...change })),
      },
    ],
    has_more: false,
    next_page: null,
  });
}

function fixtureReport(): Report {
  return JSON.parse(invoiceFixture('anthropic-cost-report-2026-10.json')) as Report;
}

describe('normaliseInvoice anthropic-cost-report', () => {
  it('refuses a bucket that does not end on a whole UTC hour, naming the field and the value', () => {
    // Prepare
    const text = oneBucket({}).replace(
      '"ending_at":"2026-10-02T00:00:00Z"',
      '"ending_at":"2026-10-02T00:00:00+05:30"',
    );

    // Act
    const act = () => normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    const message = expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[0]',
      field: 'ending_at',
      quoted: '"2026-10-02T00:00:00+05:30"',
    });
    expect(message).toMatch(/whole UTC hour/);
  });

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
      service_tier: 'standard',
      context_tier: 'standard',
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

  it('maps token types, 5m and 1h cache writes apart, web search to a tool, other costs to other', () => {
    // Prepare
    const text = invoiceFixture('anthropic-cost-report-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => [l.sku, l.model, l.usage_type, l.service_tier, l.context_tier])).toEqual([
      ['Claude Sonnet 4 Usage - Input Tokens', SONNET, 'input', 'standard', 'standard'],
      ['Claude Sonnet 4 Usage - Output Tokens', SONNET, 'output', 'standard', 'standard'],
      ['Claude Sonnet 4 Usage - Prompt Caching Read', SONNET, 'cache_read', 'standard', 'standard'],
      ['Claude Sonnet 4 Usage - Prompt Caching Write (5m)', SONNET, 'cache_write', 'standard', 'standard'],
      ['Claude Haiku 3.5 Usage - Input Tokens', HAIKU, 'input', 'standard', 'standard'],
      ['Web Search Usage', null, 'tool:web_search', 'standard', 'standard'],
      ['Claude Sonnet 4 Usage - Prompt Caching Write (1h)', SONNET, 'cache_write_1h', 'standard', 'standard'],
      ['Claude Sonnet 4 Usage - Output Tokens (Batch)', SONNET, 'output', 'batch', 'standard'],
      ['Claude Haiku 3.5 Usage - Output Tokens', HAIKU, 'output', 'standard', 'standard'],
      ['code_execution/-/-', null, 'other', 'standard', 'standard'],
    ]);
  });

  it('takes the service tier from service_tier, in any case, null or absent as standard', () => {
    // Prepare
    const text = oneBucket(
      { service_tier: 'batch' },
      { service_tier: 'priority' },
      { service_tier: 'flex' },
      { service_tier: 'standard' },
      { service_tier: 'Batch' },
      { service_tier: ' PRIORITY ' },
      { service_tier: null },
      { service_tier: undefined },
      { service_tier: '' },
    );

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier])).toEqual([
      ['output', 'batch'],
      ['output', 'priority'],
      ['output', 'flex'],
      ['output', 'standard'],
      ['output', 'batch'],
      ['output', 'priority'],
      ['output', 'standard'],
      ['output', 'standard'],
      ['output', 'standard'],
    ]);
  });

  it('keeps a line of an unknown service tier as other at tier standard, with its money and text', () => {
    // Prepare
    const text = oneBucket(
      { service_tier: 'scale', description: 'Claude Sonnet 4 Usage - Output Tokens (Scale)', amount: '250' },
      { service_tier: 'batch', amount: '100' },
    );

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => [l.sku, l.model, l.usage_type, l.service_tier, l.billed_cost])).toEqual([
      ['Claude Sonnet 4 Usage - Output Tokens (Scale)', SONNET, 'other', 'standard', 2.5],
      ['tokens/output_tokens/claude-sonnet-4-20250514', SONNET, 'output', 'batch', 1],
    ]);
  });

  it('takes the context tier from context_window: 0-200k or null standard, any other range long', () => {
    // Prepare
    const text = oneBucket(
      { context_window: '0-200k' },
      { context_window: '200k-1M' },
      { context_window: null },
      { context_window: undefined },
      { context_window: '0-200K' },
      { context_window: '1M-2M' },
      { context_window: '200k-1M', service_tier: 'batch', token_type: 'cache_read_input_tokens' },
    );

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => [l.usage_type, l.service_tier, l.context_tier])).toEqual([
      ['output', 'standard', 'standard'],
      ['output', 'standard', 'long'],
      ['output', 'standard', 'standard'],
      ['output', 'standard', 'standard'],
      ['output', 'standard', 'standard'],
      ['output', 'standard', 'long'],
      ['cache_read', 'batch', 'long'],
    ]);
  });

  it('maps every token type and the web search cost type, keeping the null model of web search', () => {
    // Prepare
    const text = oneBucket(
      { token_type: 'uncached_input_tokens' },
      { token_type: 'output_tokens' },
      { token_type: 'cache_read_input_tokens' },
      { token_type: 'cache_creation.ephemeral_5m_input_tokens' },
      { token_type: 'cache_creation.ephemeral_1h_input_tokens', context_window: '200k-1M' },
      { token_type: 'reasoning_tokens' },
      { cost_type: 'web_search', token_type: null, model: null, context_window: null, service_tier: null },
      { cost_type: 'code_execution', token_type: null, model: null },
      { cost_type: null, token_type: null },
    );

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    expect(lines.map((l) => [l.model, l.usage_type, l.context_tier])).toEqual([
      [SONNET, 'input', 'standard'],
      [SONNET, 'output', 'standard'],
      [SONNET, 'cache_read', 'standard'],
      [SONNET, 'cache_write', 'standard'],
      [SONNET, 'cache_write_1h', 'long'],
      [SONNET, 'other', 'standard'],
      [null, 'tool:web_search', 'standard'],
      [null, 'other', 'standard'],
      [SONNET, 'other', 'standard'],
    ]);
    expect(lines[6]?.sku).toBe('web_search/-/-');
  });

  it('reads lines carrying inference_geo and speed as if they did not, without splitting on them', () => {
    // Prepare
    const plain = { service_tier: 'priority', context_window: '200k-1M' };
    const text = oneBucket(
      plain,
      { ...plain, inference_geo: 'us', speed: 'fast' },
      { ...plain, inference_geo: 'global', speed: 'standard' },
      { ...plain, inference_geo: null, speed: null },
    );

    // Act
    const lines = normaliseInvoice(text, 'anthropic-cost-report', FILE);

    // Assess
    const [first, ...others] = lines.map(({ source_file, ...rest }) => rest);
    expect(first).toMatchObject({ usage_type: 'output', service_tier: 'priority', context_tier: 'long' });
    expect(others).toEqual([first, first, first]);
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

  it('refuses a service tier or a context window that is not a string, quoting it', () => {
    // Prepare
    const report = fixtureReport();
    const tierResult = report.data[1]?.results[1];
    if (tierResult) tierResult.service_tier = 2;
    const windowReport = fixtureReport();
    const windowResult = windowReport.data[0]?.results[2];
    if (windowResult) windowResult.context_window = 200000;

    // Act
    const actTier = () => normaliseInvoice(JSON.stringify(report), 'anthropic-cost-report', FILE);
    const actWindow = () => normaliseInvoice(JSON.stringify(windowReport), 'anthropic-cost-report', FILE);

    // Assess
    expectRefusal(actTier, {
      file: FILE,
      position: 'page 1, data[1].results[1]',
      field: 'service_tier',
      quoted: '2',
    });
    expectRefusal(actWindow, {
      file: FILE,
      position: 'page 1, data[0].results[2]',
      field: 'context_window',
      quoted: '200000',
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
