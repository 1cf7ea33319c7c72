import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InvoiceFormat } from '../../../src/core/costs/cost-line.ts';
import { normaliseInvoice } from '../../../src/core/costs/normalise/index.ts';
import { expectRefusal } from './invoice-fixtures.ts';

const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8');

/** An OpenAI costs page of one day whose results have these line items. */
function openAiPage(lineItems: (string | null)[]): string {
  return JSON.stringify({
    object: 'page',
    data: [
      {
        object: 'bucket',
        start_time: 1793491200,
        end_time: 1793577600,
        results: lineItems.map((line_item) => ({
          object: 'organization.costs.result',
          amount: { value: 1.5, currency: 'usd' },
          line_item,
          project_id: null,
        })),
      },
    ],
  });
}

/** An Anthropic cost report of one day whose results have these fields. */
function anthropicPage(results: Record<string, unknown>[]): string {
  return JSON.stringify({
    data: [
      {
        starting_at: '2026-11-01T00:00:00Z',
        ending_at: '2026-11-02T00:00:00Z',
        results: results.map((r) => ({ currency: 'USD', amount: '150', ...r })),
      },
    ],
    has_more: false,
    next_page: null,
  });
}

const NOT_GROUPED = { description: null, cost_type: null, model: null, token_type: null, service_tier: null };

describe('exports that cannot be reconciled are refused, with the fix in the message', () => {
  it('an OpenAI export not grouped by line_item (every line_item null) is refused, naming group_by=line_item', () => {
    // Act
    const message = expectRefusal(
      () => normaliseInvoice(openAiPage([null, null]), 'openai-costs', 'o.json'),
      {
        file: 'o.json',
        position: 'whole file',
        field: 'line_item',
      },
    );

    // Assess
    expect(message).toContain('group_by=line_item');
    expect(message).toMatch(/re-export/);
  });

  it('an OpenAI export with some null line items (not every one) is still read', () => {
    const lines = normaliseInvoice(
      openAiPage(['gpt-4o-mini-2024-07-18, input', null]),
      'openai-costs',
      'o.json',
    );
    expect(lines.map((l) => l.usage_type)).toEqual(['input', 'other']);
  });

  it('an Anthropic cost report not grouped by description is refused, naming group_by[]=description', () => {
    const message = expectRefusal(
      () => normaliseInvoice(anthropicPage([NOT_GROUPED]), 'anthropic-cost-report', 'a.json'),
      { file: 'a.json', position: 'whole file', field: 'cost_type' },
    );
    expect(message).toContain('group_by[]=description');
  });

  it.each(['openai-costs', 'anthropic-cost-report'] as const)(
    'a CSV given as --format %s is called CSV, and --format focus is suggested',
    (format) => {
      const csv = example('focus.csv');
      const message = expectRefusal(() => normaliseInvoice(csv, format as InvoiceFormat, 'focus.csv'), {
        file: 'focus.csv',
        position: 'line 1',
        field: '(JSON)',
      });
      expect(message).toMatch(/looks like CSV/);
      expect(message).toContain('--format focus');
      expect(message).toContain(format);
    },
  );

  it('a file that is neither JSON nor CSV still gets the JSON parse error', () => {
    const message = expectRefusal(() => normaliseInvoice('{"data": [', 'openai-costs', 'cut.json'), {
      file: 'cut.json',
      position: 'line 1, column 11',
      field: '(JSON)',
    });
    expect(message).not.toMatch(/CSV/);
  });
});

describe('the sample exports in examples/', () => {
  it.each([
    ['openai-costs.json', 'openai-costs'],
    ['anthropic-cost-report.json', 'anthropic-cost-report'],
    ['focus.csv', 'focus'],
  ] as const)(
    '%s imports as --format %s: token lines with models, billed in USD, in November 2026',
    (file, format) => {
      // Act
      const lines = normaliseInvoice(example(file), format, `examples/${file}`, { usdOnly: true });

      // Assess
      expect(lines.length).toBeGreaterThan(1);
      const tokens = lines.filter((l) => ['input', 'output', 'cache_read'].includes(l.usage_type));
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.every((l) => l.model !== null)).toBe(true);
      expect(lines.every((l) => l.currency === 'USD')).toBe(true);
      expect(lines.reduce((n, l) => n + l.billed_cost, 0)).toBeGreaterThan(0);
      for (const l of lines)
        expect(new Date(l.charge_period_start).toISOString().slice(0, 7)).toBe('2026-11');
    },
  );
});
