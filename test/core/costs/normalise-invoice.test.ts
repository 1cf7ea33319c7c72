import { describe, expect, it } from 'vitest';
import { INVOICE_FORMATS, type InvoiceFormat } from '../../../src/core/costs/cost-line.ts';
import { normaliseInvoice } from '../../../src/core/costs/normalise/index.ts';
import { expectRefusal, invoiceFixture } from './invoice-fixtures.ts';

const SAMPLES: Record<InvoiceFormat, string> = {
  'openai-costs': 'openai-costs-2026-10.json',
  'anthropic-cost-report': 'anthropic-cost-report-2026-10.json',
  focus: 'focus-2026-10.csv',
};

describe('normaliseInvoice', () => {
  it.each(INVOICE_FORMATS)('stamps every %s line with its source format and file', (format) => {
    // Prepare
    const text = invoiceFixture(SAMPLES[format]);
    const file = `invoices/${format}/2026-10-sample`;

    // Act
    const lines = normaliseInvoice(text, format, file);

    // Assess
    expect(lines.length).toBeGreaterThan(0);
    expect(new Set(lines.map((l) => `${l.source_format} ${l.source_file}`))).toEqual(
      new Set([`${format} ${file}`]),
    );
    expect(lines.every((l) => /^[A-Z]{3}$/.test(l.currency) && Number.isFinite(l.billed_cost))).toBe(true);
  });

  it.each(INVOICE_FORMATS)('refuses an empty %s file', (format) => {
    // Prepare
    const text = '\uFEFF \n';

    // Act
    const act = () => normaliseInvoice(text, format, 'empty.txt');

    // Assess
    expect(expectRefusal(act, { file: 'empty.txt', position: 'line 1', field: '(file)' })).toContain('empty');
  });

  it('reads a JSON file that starts with a byte order mark', () => {
    // Prepare
    const text = `\uFEFF${invoiceFixture(SAMPLES['openai-costs'])}`;

    // Act
    const lines = normaliseInvoice(text, 'openai-costs', 'bom.json');

    // Assess
    expect(lines).toHaveLength(11);
  });

  it('refuses an unknown format, quoting it', () => {
    // Prepare
    const format = 'azure-openai' as InvoiceFormat;

    // Act
    const act = () => normaliseInvoice('{"data": []}', format, 'x.json');

    // Assess
    expectRefusal(act, { file: 'x.json', position: 'whole file', field: 'format', quoted: '"azure-openai"' });
  });

  it('refuses a JSON document that is not a page', () => {
    // Prepare
    const text = '"2026-10"';

    // Act
    const act = () => normaliseInvoice(text, 'anthropic-cost-report', 'x.json');

    // Assess
    expectRefusal(act, { file: 'x.json', position: 'page 1', field: '(page)' });
  });
});
