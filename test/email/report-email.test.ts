import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseAddresses, reportEmail } from '../../src/email/report-email.ts';
import { reportDocument } from '../../src/reports/report-document.ts';
import { dayRange } from '../../src/reports/report-period.ts';

const doc = reportDocument('waste', dayRange('2026-11-26', '2026-11-27'), {
  subject: '[tokenledger] Cancellation waste 2026-11-26: $12.50 — «draft» ✓',
  json: { from: '2026-11-26' },
  html: '<!doctype html><html><body><h1>Waste</h1><table><tr><td>rewrite-tone</td></tr></table></body></html>',
  text: 'Cancellation waste\n\nrewrite-tone  12.50\n',
  csv: [{ name: 'waste.csv', contentType: 'text/csv', body: 'feature,wasted_cost\n"rewrite, tone",12.5\n' }],
});

describe('reportEmail', () => {
  it('builds one MIME message that parses back to the same subject, parts and CSV attachment', async () => {
    const date = new Date('2026-11-27T06:00:00Z');
    const raw = await reportEmail(
      doc,
      { from: 'reports@acme.test', to: ['cfo@acme.test', 'ml@acme.test'] },
      date,
    );
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(doc.subject);
    expect(mail.from?.text).toBe('reports@acme.test');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([
      'cfo@acme.test',
      'ml@acme.test',
    ]);
    expect(mail.date?.toISOString()).toBe(date.toISOString());
    expect(mail.messageId).toBe(`<waste-2026-11-26_2026-11-27.${date.getTime()}@acme.test>`);
    expect(mail.headers.get('x-tokenledger-report')).toBe('waste-2026-11-26_2026-11-27');
    expect(mail.text?.trim()).toBe(doc.text.trim());
    expect(mail.html).toContain('<td>rewrite-tone</td>');
    expect(mail.attachments).toHaveLength(1);
    const [csv] = mail.attachments;
    expect(csv?.filename).toBe('waste-2026-11-26_2026-11-27-waste.csv');
    expect(csv?.contentType).toBe('text/csv');
    expect(csv?.content.toString('utf8')).toBe(doc.csv[0]?.body);
  });

  it('refuses to build a message without recipients', async () => {
    await expect(reportEmail(doc, { from: 'reports@acme.test', to: [] }, new Date())).rejects.toThrow(
      'report waste-2026-11-26_2026-11-27: no recipients',
    );
  });
});

describe('parseAddresses', () => {
  it('splits a comma-separated list, ignoring blanks', () => {
    expect(parseAddresses(' a@x.io, b@y.io ,', 'MAIL_TO')).toEqual(['a@x.io', 'b@y.io']);
    expect(parseAddresses('', 'MAIL_TO')).toEqual([]);
  });

  it('names the setting and the value that is not an address', () => {
    expect(() => parseAddresses('a@x.io, Finance <f@x.io>', 'MAIL_TO')).toThrow(
      'MAIL_TO: "Finance <f@x.io>" is not an email address',
    );
    expect(() => parseAddresses('nobody', 'MAIL_TO')).toThrow('"nobody"');
  });
});
