/**
 * Issue 6, case 9 — bad input to `ingest invoice --format openai-costs|anthropic-cost-report|focus`. A fault
 * sits in row 2 of 3 (the JSON formats: result 0 of bucket 1, each row its own bucket; FOCUS: line 3). A
 * refused file exits 1 with one line `tokenledger: FILE: POSITION: FIELD: reason "value"` and the lake is left
 * as it was; what the formats accept (numbers as strings, credits) is stored whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryJson } from '../cli/run-cli.ts';
import {
  anthropicReport,
  anthropicResult,
  expectBounded,
  expectOneLine,
  expectRefused,
  FaultLake,
  FOCUS_HEADER,
  focusRow,
  format,
  HUGE,
  type InputFormat,
  nextSeed,
  OPENAI_DAY,
  openAiPage,
  openAiResult,
} from './fault-kit.ts';

let lake: FaultLake;
beforeAll(async () => {
  lake = await FaultLake.create('invoices');
  await lake.seed();
});
afterAll(async () => {
  await lake.remove();
});

// --- three invoice formats behind one row shape ---------------------------------------------------------

type Field = 'amount' | 'currency' | 'start';
/** A value written as raw JSON text (a number literal JSON.stringify cannot write, e.g. 1e309). */
const raw = (text: string) => ({ raw: text });
type Value = string | number | { raw: string };
type Row = Partial<Record<Field, Value>>;

interface InvoiceKind {
  input: InputFormat;
  json: boolean;
  /** A file of these rows (each its own bucket in the JSON formats), with a unique project/workspace/quantity. */
  render(rows: Row[], seed: number): string;
  /** How the file names row `i`'s field: position and field name. */
  where(i: number, field: Field): { position: string; field: string };
}

function withRaw(json: string): string {
  return json.replace(/\{"raw":"([^"]*)"\}/g, '$1');
}

const KINDS: InvoiceKind[] = [
  {
    input: format('openai-costs'),
    json: true,
    render: (rows, seed) =>
      withRaw(
        openAiPage(
          rows.map((r, i) => ({
            start: r.start ?? OPENAI_DAY + i * 86_400,
            results: [
              openAiResult({
                amount: { value: r.amount ?? 0.5, currency: r.currency ?? 'usd' },
                project_id: `proj_${seed}`,
              }),
            ],
          })),
        ),
      ),
    where: (i, field) =>
      field === 'start'
        ? { position: `page 1, data[${i}]`, field: 'start_time' }
        : {
            position: `page 1, data[${i}].results[0]`,
            field: `amount.${field === 'amount' ? 'value' : 'currency'}`,
          },
  },
  {
    input: format('anthropic-cost-report'),
    json: true,
    render: (rows, seed) =>
      withRaw(
        anthropicReport(
          rows.map((r, i) => ({
            ...(r.start === undefined ? {} : { start: r.start }),
            results: [
              anthropicResult({
                amount: r.amount ?? '125.5',
                currency: r.currency ?? 'USD',
                workspace_id: `wrkspc_${seed}_${i}`,
              }),
            ],
          })),
        ),
      ),
    where: (i, field) =>
      field === 'start'
        ? { position: `page 1, data[${i}]`, field: 'starting_at' }
        : { position: `page 1, data[${i}].results[0]`, field },
  },
  {
    input: format('focus'),
    json: false,
    render: (rows, seed) =>
      [
        FOCUS_HEADER.join(','),
        ...rows.map((r, i) =>
          focusRow({
            BilledCost: String(r.amount ?? '1.25'),
            BillingCurrency: String(r.currency ?? 'USD'),
            ConsumedQuantity: `${seed}${i}`,
            ...(r.start === undefined ? {} : { ChargePeriodStart: String(r.start) }),
          }),
        ),
      ].join('\n'),
    where: (i, field) => ({
      position: `line ${i + 2}`,
      field: { amount: 'BilledCost', currency: 'BillingCurrency', start: 'ChargePeriodStart' }[field],
    }),
  },
];

// --- values the formats refuse ------------------------------------------------------------------------

interface ValueFault {
  fault: string;
  field: Field;
  /** The bad value for a kind, or undefined when the fault does not apply to it. */
  value(kind: InvoiceKind): Value | undefined;
  quoted?: string;
  says: RegExp;
  /** Values too long to quote whole: stderr must stay short. */
  huge?: true;
}

const isCents = (k: InvoiceKind) => k.input.name === 'anthropic-cost-report';
const TEN_MB_DIGITS = '9'.repeat(HUGE);

const VALUE_FAULTS: ValueFault[] = [
  {
    fault: 'a decimal comma "12,5"',
    field: 'amount',
    value: () => '12,5',
    quoted: '"12,5"',
    says: /not a number/,
  },
  // Anthropic amounts are cents: 2 more digits to overflow once shifted to dollars (see the accepted 1e309).
  {
    fault: 'an amount that overflows a double ("1e309" USD)',
    field: 'amount',
    value: (k) => (isCents(k) ? '1e311' : '1e309'),
    quoted: '"1e3',
    says: /not a number/,
  },
  {
    fault: 'a 310-digit amount (USD)',
    field: 'amount',
    value: (k) => `1${'0'.repeat(isCents(k) ? 311 : 309)}`,
    quoted: '"1000000000',
    says: /not a number/,
  },
  {
    fault: 'a JSON number 1e309 (Infinity once parsed)',
    field: 'amount',
    value: (k) => (k.json ? raw('1e309') : undefined),
    says: /not a (finite )?number/,
  },
  { fault: 'an empty amount', field: 'amount', value: () => '', says: /is empty/ },
  {
    fault: 'an amount nested 10,000 arrays deep',
    field: 'amount',
    value: (k) => (k.json ? raw('['.repeat(10_000) + ']'.repeat(10_000)) : undefined),
    quoted: 'got [[[[',
    says: /expected a number/,
  },
  {
    fault: 'a 10 MB amount',
    field: 'amount',
    value: () => TEN_MB_DIGITS,
    quoted: '"9999',
    says: /not a number/,
    huge: true,
  },
  {
    fault: 'a currency that is no ISO code "US$"',
    field: 'currency',
    value: () => 'US$',
    quoted: '"US$"',
    says: /not a 3-letter currency code/,
  },
  {
    fault: 'a date-time without a time zone',
    field: 'start',
    value: () => '2026-11-02T10:00:00',
    quoted: '"2026-11-02T10:00:00"',
    says: /has no time zone|not a number/,
  },
  {
    fault: 'a date without a time',
    field: 'start',
    value: () => '2026-11-02',
    quoted: '"2026-11-02"',
    says: /has no time or time zone|not a number/,
  },
];

const threeRows = (bad: Row): Row[] => [{}, bad, {}];

describe('ingest invoice: a bad value in row 2 of 3 → exit 1, one line naming position, field and value, lake unchanged', () => {
  for (const kind of KINDS) {
    for (const f of VALUE_FAULTS) {
      const value = f.value(kind);
      if (value === undefined) continue;
      const { position, field } = kind.where(1, f.field);
      it(`${kind.input.name}: ${f.fault} → exit 1 naming ${position}, ${field}`, async () => {
        // Prepare
        const file = lake.file(kind.input.ext, kind.render(threeRows({ [f.field]: value }), nextSeed()));
        const before = lake.snapshot();

        // Act
        const run = await lake.run(...kind.input.argv(file));

        // Assess
        expectRefused(run, file, before, lake.snapshot(), {
          says: f.says,
          ...(f.quoted ? { quoted: f.quoted } : {}),
        });
        expectOneLine(run, file, position, field);
        expectBounded(run);
      });
    }
  }

  // Was a bug (src/core/costs/normalise/values.ts:amount → quote from packages/client/src/contract/rejection.ts): a JSON
  // number that overflows a double (1e309) was refused as "not a finite number: null", a value the file does not
  // hold. quote() now writes it as "Infinity (a number too large for a double)".
  for (const kind of KINDS.filter((k) => k.json)) {
    it(`${kind.input.name}: JSON number 1e309 → the message says Infinity, too large for a double, not null`, async () => {
      // Prepare
      const file = lake.file(kind.input.ext, kind.render(threeRows({ amount: raw('1e309') }), nextSeed()));

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/: null$/m);
      expect(run.stderr).toContain('not a finite number: Infinity (a number too large for a double)');
    });
  }
});

describe('ingest invoice: a currency other than USD', () => {
  for (const kind of KINDS) {
    it(`${kind.input.name}: EUR in row 2 of 3 → exit 1 quoting "EUR", only USD supported, lake unchanged`, async () => {
      // Prepare
      const file = lake.file(kind.input.ext, kind.render(threeRows({ currency: 'EUR' }), nextSeed()));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), { quoted: '"EUR"', says: /only USD is supported/ });
      expectBounded(run);
    });

    // Was a bug: the USD check ran in the CLI after normalising and named the row by its index among the cost
    // lines ("line item 2: currency"), not by the file's own position and field. The normalisers now check it
    // (normaliseInvoice's `usdOnly`, used by the CLI and the invoice import), where the position is known.
    const { position, field } = kind.where(1, 'currency');
    it(`${kind.input.name}: EUR in row 2 of 3 → names ${position}, ${field}`, async () => {
      // Prepare
      const file = lake.file(kind.input.ext, kind.render(threeRows({ currency: 'EUR' }), nextSeed()));

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectOneLine(run, file, position, field);
    });
  }
});

// --- what the formats accept ----------------------------------------------------------------------------

interface Accepted {
  fault: string;
  row(kind: InvoiceKind): Row | undefined;
  /** billed_cost of row 2 once stored, in USD. */
  billed: number;
}

const ACCEPTED: Accepted[] = [
  {
    // openai-costs: "amount.value is a JSON number or a numeric string"; anthropic: a decimal string of cents
    // is the API's own form, a JSON number is read alike. FOCUS is text throughout.
    fault: 'an amount as a numeric string / number',
    row: (k) =>
      k.input.name === 'openai-costs'
        ? { amount: '12.5' }
        : k.input.name === 'anthropic-cost-report'
          ? { amount: 1250 }
          : undefined,
    billed: 12.5,
  },
  {
    fault: 'a start time as a numeric string',
    row: (k) => (k.input.name === 'openai-costs' ? { start: String(OPENAI_DAY + 86_400) } : undefined),
    billed: 0.5,
  },
  {
    // Negative amounts are credits and refunds in all three formats (docs/finance.md: "BilledCost (negative values
    // kept, for credits)"; the normalisers' comments: "negative values are kept (credits, refunds)").
    fault: 'a negative amount (a credit)',
    row: (k) => ({ amount: isCents(k) ? '-1250' : '-12.5' }),
    billed: -12.5,
  },
  {
    // No upper bound: any amount that is a finite double is stored. "1e309" cents are $1e307.
    fault: 'an amount of "1e309" cents',
    row: (k) => (isCents(k) ? { amount: '1e309' } : undefined),
    billed: 1e307,
  },
];

describe('ingest invoice: what the formats accept is stored whole', () => {
  for (const kind of KINDS) {
    for (const a of ACCEPTED) {
      const row = a.row(kind);
      if (row === undefined) continue;
      it(`${kind.input.name}: ${a.fault} in row 2 of 3 → exit 0, 3 lines stored, row 2 billed ${a.billed}`, async () => {
        // Prepare
        const file = lake.file(kind.input.ext, kind.render(threeRows(row), nextSeed()));

        // Act
        const run = await lake.run(...kind.input.argv(file));

        // Assess
        expect(run.code, run.stderr).toBe(0);
        const rows = await queryJson(
          lake.lake,
          `SELECT billed_cost FROM costs WHERE source_file = '${file}' ORDER BY charge_period_start, billed_cost`,
        );
        expect(rows).toHaveLength(3);
        expect(rows.map((r) => Number(r.billed_cost))).toContain(a.billed);
      });
    }
  }
});

// --- broken JSON ------------------------------------------------------------------------------------------

describe('ingest invoice: JSON that is cut off or huge', () => {
  const jsonKinds = KINDS.filter((k) => k.json);
  const cuts = [
    {
      fault: 'cut mid-object (one line)',
      cut: (text: string) => text.slice(0, Math.floor(text.length * 0.6)),
      line: 1,
    },
    {
      fault: 'cut mid-object (pretty-printed)',
      cut: (text: string) => {
        const pretty = JSON.stringify(JSON.parse(text), null, 2);
        return pretty.slice(0, Math.floor(pretty.length * 0.6));
      },
      line: undefined,
    },
    {
      fault: 'a 10 MB single line cut short',
      cut: (text: string) =>
        text
          .replace('"proj_', `"${'p'.repeat(HUGE)}`)
          .replace('"wrkspc_', `"${'w'.repeat(HUGE)}`)
          .slice(0, HUGE + 200),
      line: 1,
    },
  ];
  for (const kind of jsonKinds) {
    for (const c of cuts) {
      it(`${kind.input.name}: ${c.fault} → exit 1 naming line and column, field (JSON), lake unchanged`, async () => {
        // Prepare
        const file = lake.file('json', c.cut(kind.render(threeRows({}), nextSeed())));
        const before = lake.snapshot();

        // Act
        const run = await lake.run(...kind.input.argv(file));

        // Assess
        expectRefused(run, file, before, lake.snapshot(), { field: '(JSON)', says: /not valid JSON/ });
        const at = /: line (\d+), column (\d+): \(JSON\): /.exec(run.stderr);
        expect(at, run.stderr).not.toBeNull();
        if (c.line !== undefined) expect(Number(at?.[1])).toBe(c.line);
        else expect(Number(at?.[1])).toBeGreaterThan(1);
        expectBounded(run);
      });
    }
  }

  it('openai-costs: a valid 8 MB single-line export (60,000 results) → accepted, every line stored', async () => {
    // Prepare
    const seed = nextSeed();
    const results = Array.from({ length: 60_000 }, (_, i) =>
      openAiResult({ project_id: `proj_${seed}_${i}` }),
    );
    const text = openAiPage([{ results }]);
    const file = lake.file('json', text);

    // Act
    const run = await lake.run(...format('openai-costs').argv(file));

    // Assess
    expect(text.length).toBeGreaterThan(8_000_000);
    expect(run.code, run.stderr).toBe(0);
    expect(await format('openai-costs').stored(lake, file, seed)).toBe(60_000);
  });
});

// --- broken CSV (FOCUS) -------------------------------------------------------------------------------------

describe('ingest invoice --format focus: broken CSV → exit 1 naming line and column, lake unchanged', () => {
  const header = FOCUS_HEADER.join(',');
  const ok = () => focusRow({ ConsumedQuantity: String(nextSeed()) });
  const cases = [
    {
      fault: 'a required column missing (BillingCurrency)',
      text: () => {
        const keep = FOCUS_HEADER.map((c, i) => [c, i] as const).filter(([c]) => c !== 'BillingCurrency');
        const cells = ok().split(',');
        return [keep.map(([c]) => c).join(','), keep.map(([, i]) => cells[i]).join(',')].join('\n');
      },
      position: 'line 1',
      field: 'BillingCurrency',
      says: /required column is missing/,
    },
    {
      fault: 'a column named twice',
      text: () => [`${header},BilledCost`, `${ok()},2`].join('\n'),
      position: 'line 1',
      field: 'BilledCost',
      says: /column appears more than once/,
    },
    {
      fault: 'a stray quote inside a field on line 3',
      text: () => [header, ok(), ok().replace('OpenAI', 'Open"AI'), ok()].join('\n'),
      position: 'line 3',
      field: 'ProviderName',
      says: /not valid CSV: Invalid Opening Quote/,
    },
    {
      fault: 'a row cut short (truncated download) on line 3',
      text: () => [header, ok(), ok().slice(0, 30)].join('\n'),
      position: 'line 3',
      field: '(columns)',
      says: /row has \d fields, the header 9: \["1.25",/,
    },
    {
      fault: 'an extra field on line 3',
      text: () => [header, ok(), `${ok()},surplus`, ok()].join('\n'),
      position: 'line 3',
      field: '(columns)',
      says: /extra: \["surplus"\]/,
    },
    {
      fault: 'an unclosed quote on the last line',
      text: () => [header, ok(), ok().replace('OpenAI', '"OpenAI')].join('\n'),
      position: 'line 3',
      field: 'ProviderName',
      says: /Quote Not Closed/,
    },
  ];
  for (const c of cases) {
    it(`focus: ${c.fault} → exit 1 naming ${c.position}, ${c.field}`, async () => {
      // Prepare
      const file = lake.file('csv', c.text());
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...format('focus').argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), { says: c.says });
      expectOneLine(run, file, c.position, c.field);
    });
  }

  it('focus: an unclosed quote on line 3 of 5 → exit 1, field named, lake unchanged', async () => {
    // Prepare
    const file = lake.file('csv', [header, ok(), ok().replace('OpenAI', '"OpenAI'), ok(), ok()].join('\n'));
    const before = lake.snapshot();

    // Act
    const run = await lake.run(...format('focus').argv(file));

    // Assess
    expectRefused(run, file, before, lake.snapshot(), { field: 'ProviderName', says: /Quote Not Closed/ });
  });

  // Was a bug (src/core/costs/normalise/focus.ts:csvError, and src/core/csv-rows.ts:parseCsv alike): an
  // unclosed quote was named by the line where parsing ENDS (the last line, "line 5"), not the line where its
  // row starts (line 3). The row now starts on the first line after csv-parse's `bytes_records` that is read.
  it('focus: an unclosed quote on line 3 of 5 → names line 3, where its row starts', async () => {
    // Prepare
    const file = lake.file('csv', [header, ok(), ok().replace('OpenAI', '"OpenAI'), ok(), ok()].join('\n'));

    // Act
    const run = await lake.run(...format('focus').argv(file));

    // Assess
    expectOneLine(run, file, 'line 3', 'ProviderName');
  });
});

// --- nothing valid lost: what the user is told about a file with several bad rows -----------------------

describe('ingest invoice: several bad rows → refused whole, the first bad row named', () => {
  // The contract (docs/finance.md "A file is stored whole or refused whole", normalise/index.ts "throws ONE
  // InvoiceError"): nothing of the file is stored, and only the FIRST bad row is named — the user fixes it and
  // runs again to learn of the next. Nothing is lost silently (exit 1, the file stays whole for a re-run).
  for (const kind of KINDS) {
    const first = kind.where(1, 'amount');
    const second = kind.where(2, 'currency');
    it(`${kind.input.name}: bad rows 2 and 3 of 3 → exit 1 naming ${first.position} only, nothing stored`, async () => {
      // Prepare
      const seed = nextSeed();
      const file = lake.file(kind.input.ext, kind.render([{}, { amount: 'n/a' }, { currency: 'US$' }], seed));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), { quoted: '"n/a"' });
      expectOneLine(run, file, first.position, first.field);
      expect(run.stderr).not.toContain(second.position);
      expect(await kind.input.stored(lake, file, seed)).toBe(0);
    });
  }
});
