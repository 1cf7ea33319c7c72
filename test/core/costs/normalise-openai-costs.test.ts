import { describe, expect, it } from 'vitest';
import { normaliseInvoice } from '../../../src/core/costs/normalise/index.ts';
import { billedBy, expectRefusal, invoiceFixture } from './invoice-fixtures.ts';

const FILE = 'invoices/openai-costs/2026-10.json';
const DAY = 86_400_000;
const OCT_1 = Date.parse('2026-10-01T00:00:00Z');

type Page = { data: { results: Record<string, unknown>[] }[] };

/** One page of one day, a result per line item (each $0.01, in project proj_a). */
function onePage(lineItems: (string | null)[]) {
  return {
    object: 'page',
    data: [
      {
        object: 'bucket',
        start_time: 1790812800,
        end_time: 1790899200,
        results: lineItems.map((line_item) => ({
          object: 'organization.costs.result',
          amount: { value: 0.01, currency: 'usd' },
          line_item,
          project_id: 'proj_a',
        })),
      },
    ],
  };
}

/** The paged fixture, parsed, for tests that break one value of it. */
function fixturePages(): Page[] {
  return JSON.parse(invoiceFixture('openai-costs-2026-10.json')) as Page[];
}

describe('normaliseInvoice openai-costs', () => {
  it('refuses a bucket that does not start on a whole UTC hour, naming the field and the value', () => {
    // Prepare
    const pages = fixturePages() as unknown as { data: Record<string, unknown>[] }[];
    const bucket = pages[0]?.data[1];
    if (bucket) bucket.start_time = Number(bucket.start_time) + 1800;

    // Act
    const act = () => normaliseInvoice(JSON.stringify(pages), 'openai-costs', FILE);

    // Assess
    const message = expectRefusal(act, { file: FILE, position: 'page 1, data[1]', field: 'start_time' });
    expect(message).toMatch(/whole UTC hour/);
  });

  it('reads every result of a paged export (an array of 2 pages) in file order', () => {
    // Prepare
    const text = invoiceFixture('openai-costs-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess
    expect(lines).toHaveLength(11);
    expect(lines[0]).toEqual({
      provider: 'openai',
      billing_account_id: 'proj_support',
      invoice_id: null,
      charge_period_start: OCT_1,
      charge_period_end: OCT_1 + DAY,
      model: 'gpt-4o-2024-08-06',
      usage_type: 'input',
      service_tier: 'standard',
      context_tier: 'standard',
      consumed_quantity: null,
      billed_cost: 0.0625,
      list_cost: null,
      currency: 'USD',
      sku: 'gpt-4o-2024-08-06, input',
      source_format: 'openai-costs',
      source_file: FILE,
    });
    expect(lines.map((l) => (l.charge_period_start - OCT_1) / DAY)).toEqual([
      0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2,
    ]);
  });

  it('maps input, output, cached input, batch kinds and web search; every line is standard context', () => {
    // Prepare
    const text = invoiceFixture('openai-costs-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess
    const mapped = new Map(lines.map((l) => [l.sku, [l.model, l.usage_type, l.service_tier]]));
    expect(Object.fromEntries(mapped)).toEqual({
      'gpt-4o-2024-08-06, input': ['gpt-4o-2024-08-06', 'input', 'standard'],
      'gpt-4o-2024-08-06, output': ['gpt-4o-2024-08-06', 'output', 'standard'],
      'gpt-4o-mini-2024-07-18, cached input': ['gpt-4o-mini-2024-07-18', 'cache_read', 'standard'],
      'gpt-4o-mini-2024-07-18, input': ['gpt-4o-mini-2024-07-18', 'input', 'standard'],
      'gpt-4o-mini-2024-07-18, output': ['gpt-4o-mini-2024-07-18', 'output', 'standard'],
      'web search tool calls': [null, 'tool:web_search', 'standard'],
      'gpt-4o-2024-08-06, batch input': ['gpt-4o-2024-08-06', 'input', 'batch'],
    });
    expect(lines.every((l) => l.consumed_quantity === null && l.context_tier === 'standard')).toBe(true);
  });

  it('maps the batch, flex and priority kinds to their usage type at that service tier, in any case', () => {
    // Prepare
    const kinds = [
      'batch input',
      'batch output',
      'batch cached input',
      'flex input',
      'Flex Cached Input',
      'flex output',
      'priority input',
      'priority cached input',
      'PRIORITY OUTPUT',
    ];
    const text = JSON.stringify(onePage(kinds.map((kind) => `o3-2025-04-16, ${kind}`)));

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess
    expect(lines.map((l) => [l.model, l.usage_type, l.service_tier, l.context_tier])).toEqual([
      ['o3-2025-04-16', 'input', 'batch', 'standard'],
      ['o3-2025-04-16', 'output', 'batch', 'standard'],
      ['o3-2025-04-16', 'cache_read', 'batch', 'standard'],
      ['o3-2025-04-16', 'input', 'flex', 'standard'],
      ['o3-2025-04-16', 'cache_read', 'flex', 'standard'],
      ['o3-2025-04-16', 'output', 'flex', 'standard'],
      ['o3-2025-04-16', 'input', 'priority', 'standard'],
      ['o3-2025-04-16', 'cache_read', 'priority', 'standard'],
      ['o3-2025-04-16', 'output', 'priority', 'standard'],
    ]);
    expect(lines.map((l) => l.sku)).toEqual(kinds.map((kind) => `o3-2025-04-16, ${kind}`));
  });

  it('keeps unknown kinds as other with their model and prefix tier, and other items without model', () => {
    // Prepare
    const items = [
      'gpt-4o-audio-preview, audio input',
      'gpt-4o-audio-preview, batch audio input',
      'gpt-4o, scale input',
      'gpt-4o, batchinput',
      'Image models',
      'file search tool calls',
      'Web Search Tool Calls',
      'gpt-4o-search-preview, web search tool calls',
      null,
    ];
    const text = JSON.stringify(onePage(items));

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess
    expect(lines.map((l) => [l.model, l.usage_type, l.service_tier, l.sku])).toEqual([
      ['gpt-4o-audio-preview', 'other', 'standard', 'gpt-4o-audio-preview, audio input'],
      ['gpt-4o-audio-preview', 'other', 'batch', 'gpt-4o-audio-preview, batch audio input'],
      ['gpt-4o', 'other', 'standard', 'gpt-4o, scale input'],
      ['gpt-4o', 'other', 'standard', 'gpt-4o, batchinput'],
      [null, 'other', 'standard', 'Image models'],
      [null, 'other', 'standard', 'file search tool calls'],
      [null, 'tool:web_search', 'standard', 'Web Search Tool Calls'],
      [
        'gpt-4o-search-preview',
        'tool:web_search',
        'standard',
        'gpt-4o-search-preview, web search tool calls',
      ],
      [null, 'other', 'standard', ''],
    ]);
  });

  it('states the web search line whole: tool usage, no model, no quantity, its amount and project', () => {
    // Prepare
    const text = invoiceFixture('openai-costs-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess: page 1, data[0].results[5]
    expect(lines[5]).toEqual({
      provider: 'openai',
      billing_account_id: 'proj_support',
      invoice_id: null,
      charge_period_start: OCT_1,
      charge_period_end: OCT_1 + DAY,
      model: null,
      usage_type: 'tool:web_search',
      service_tier: 'standard',
      context_tier: 'standard',
      consumed_quantity: null,
      billed_cost: 0.5,
      list_cost: null,
      currency: 'USD',
      sku: 'web search tool calls',
      source_format: 'openai-costs',
      source_file: FILE,
    });
  });

  it('splits the cost across projects, and the projects add up to the export total', () => {
    // Prepare
    const text = invoiceFixture('openai-costs-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess
    const byProject = billedBy(
      lines,
      (l) => String(l.billing_account_id),
      (l) => l.billed_cost,
    );
    expect(Object.keys(byProject).sort()).toEqual(['proj_email', 'proj_support']);
    expect(Math.abs((byProject.proj_support ?? 0) - 1.3175)).toBeLessThan(1e-9);
    expect(Math.abs((byProject.proj_email ?? 0) - 0.11215)).toBeLessThan(1e-9);
    expect(Math.abs(lines.reduce((s, l) => s + l.billed_cost, 0) - 1.42965)).toBeLessThan(1e-9);
  });

  it('reads an amount given as a numeric string', () => {
    // Prepare
    const text = invoiceFixture('openai-costs-2026-10.json');

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', FILE);

    // Assess: page 1, data[1].results[0] has "value": "0.1250000000000000"
    expect(lines[6]?.billed_cost).toBe(0.125);
  });

  it('reads a single page object, a line item split at its last ", ", and a negative amount as a credit', () => {
    // Prepare
    const page = {
      object: 'page',
      data: [
        {
          object: 'bucket',
          start_time: 1790812800,
          end_time: 1790899200,
          results: [
            {
              object: 'organization.costs.result',
              amount: { value: -1.5, currency: 'eur' },
              line_item: 'ft:gpt-4o-mini-2024-07-18:acme, support:abc, output',
              project_id: null,
            },
          ],
        },
      ],
      has_more: false,
      next_page: null,
    };

    // Act
    const [line, ...rest] = normaliseInvoice(JSON.stringify(page), 'openai-costs', FILE);

    // Assess
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      model: 'ft:gpt-4o-mini-2024-07-18:acme, support:abc',
      usage_type: 'output',
      billed_cost: -1.5,
      currency: 'EUR',
      billing_account_id: null,
    });
  });

  it('returns no lines for a page of days without cost', () => {
    // Prepare
    const page = {
      object: 'page',
      data: [{ object: 'bucket', start_time: 1790812800, end_time: 1790899200, results: [] }],
    };

    // Act
    const lines = normaliseInvoice(JSON.stringify(page), 'openai-costs', FILE);

    // Assess
    expect(lines).toEqual([]);
  });
});

describe('normaliseInvoice openai-costs refuses a malformed file whole', () => {
  it('names the line and column where truncated JSON stops', () => {
    // Prepare
    const text = [
      '[',
      '  {"object": "page", "data": [',
      '    {"object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [',
      '      {"object": "organization.costs.result", "amount": {"value": 0.06, "curr',
    ].join('\n');

    // Act
    const act = () => normaliseInvoice(text, 'openai-costs', FILE);

    // Assess: line 4 is 77 characters long; the cut is just past its last one
    expectRefusal(act, { file: FILE, position: 'line 4, column 78', field: '(JSON)' });
  });

  it('names the result missing its amount, even when it is the last one of the last page', () => {
    // Prepare
    const pages = fixturePages();
    delete pages[1]?.data[0]?.results[1]?.amount;

    // Act
    const act = () => normaliseInvoice(JSON.stringify(pages), 'openai-costs', FILE);

    // Assess
    const message = expectRefusal(act, {
      file: FILE,
      position: 'page 2, data[0].results[1]',
      field: 'amount',
    });
    expect(message).toContain('missing');
  });

  it('refuses an amount written with a decimal comma, quoting it', () => {
    // Prepare
    const pages = fixturePages();
    const result = pages[0]?.data[1]?.results[2];
    if (result) result.amount = { value: '12,34', currency: 'usd' };

    // Act
    const act = () => normaliseInvoice(JSON.stringify(pages), 'openai-costs', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[1].results[2]',
      field: 'amount.value',
      quoted: '"12,34"',
    });
  });

  it('refuses a currency that is not a 3-letter code', () => {
    // Prepare
    const pages = fixturePages();
    const result = pages[1]?.data[0]?.results[0];
    if (result) result.amount = { value: 0.03, currency: 'dollars' };

    // Act
    const act = () => normaliseInvoice(JSON.stringify(pages), 'openai-costs', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'page 2, data[0].results[0]',
      field: 'amount.currency',
      quoted: '"dollars"',
    });
  });

  it('refuses a bucket time in milliseconds instead of seconds', () => {
    // Prepare
    const pages = fixturePages() as unknown as { data: Record<string, unknown>[] }[];
    const bucket = pages[0]?.data[1];
    if (bucket) bucket.end_time = 1790985600000;

    // Act
    const act = () => normaliseInvoice(JSON.stringify(pages), 'openai-costs', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[1]',
      field: 'end_time',
      quoted: '1790985600000',
    });
  });

  it('refuses results of another endpoint (the usage API) by their object type', () => {
    // Prepare
    const pages = fixturePages();
    const result = pages[0]?.data[0]?.results[3];
    if (result) result.object = 'organization.usage.completions.result';

    // Act
    const act = () => normaliseInvoice(JSON.stringify(pages), 'openai-costs', FILE);

    // Assess
    expectRefusal(act, {
      file: FILE,
      position: 'page 1, data[0].results[3]',
      field: 'object',
      quoted: '"organization.usage.completions.result"',
    });
  });
});
