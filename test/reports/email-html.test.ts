import { describe, expect, it } from 'vitest';
import { barChart, emailPage, htmlTable } from '../../src/reports/html/email-html.ts';

const widths = (html: string) => [...html.matchAll(/<td width="(\d+)"/g)].map((m) => Number(m[1]));

describe('barChart', () => {
  it('draws bars in proportion, the largest at full width, negatives by magnitude in red', () => {
    const html = barChart(
      'Margin',
      [
        { label: 'a', value: 100, display: '100' },
        { label: 'b', value: 25, display: '25' },
        { label: 'c', value: -50, display: '(50)' },
      ],
      200,
    );
    expect(widths(html)).toEqual([200, 50, 100]);
    expect(html.match(/bgcolor="#b91c1c"/g)).toHaveLength(1);
  });

  it('gives a zero value a 1 px mark and draws nothing for no bars', () => {
    expect(widths(barChart('t', [{ label: 'z', value: 0, display: '0' }]))).toEqual([1]);
    expect(barChart('t', [])).toBe('');
  });
});

describe('htmlTable and emailPage', () => {
  it('escapes every value, so a prompt id cannot inject markup into the email', () => {
    const html = emailPage(
      'T <1>',
      's & t',
      [
        htmlTable(
          [{ label: 'Prompt', value: (r: { p: string }) => r.p }],
          [{ p: '<script>alert("x")</script>' }],
        ),
      ],
      "it's",
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('<title>T &#60;1&#62;</title>');
  });

  it('shows the empty message as a row when there are no rows', () => {
    expect(htmlTable([{ label: 'A', value: (r: string) => r }], [], 'Nothing to report.')).toContain(
      '<td colspan="1"',
    );
  });
});
