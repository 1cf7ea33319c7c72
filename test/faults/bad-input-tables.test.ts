/**
 * Issue 6, case 9 — bad input to `ingest prices` and `ingest revenue` (CSV with a header). A fault sits in
 * data row 2 of 3 (line 3). A refused file exits 1 with one line `tokenledger: FILE: line N: FIELD: reason`
 * quoting the value, and the lake is left as it was ("refused whole on the first bad line").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryJson } from '../cli/run-cli.ts';
import {
  csvCell,
  expectBounded,
  expectOneLine,
  expectRefused,
  FaultLake,
  format,
  HUGE,
  type InputFormat,
  nextSeed,
  PRICES_HEADER,
  priceRow,
  REVENUE_HEADER,
  revenueRow,
} from './fault-kit.ts';

let lake: FaultLake;
beforeAll(async () => {
  lake = await FaultLake.create('tables');
  await lake.seed();
});
afterAll(async () => {
  await lake.remove();
});

type Role = 'money' | 'date' | 'text';

interface TableKind {
  input: InputFormat;
  header: string;
  columns: string[];
  /** The column that plays each role. */
  column: Record<Role, string>;
  /** A data row with these cells (raw CSV text, already quoted where needed), unique to `seed`. */
  row(cells: Partial<Record<string, string>>, seed: number, i: number): string;
}

const KINDS: TableKind[] = [
  {
    input: format('prices'),
    header: PRICES_HEADER,
    columns: PRICES_HEADER.split(','),
    column: { money: 'usd_per_million_tokens', date: 'effective_from', text: 'model' },
    row: (cells, seed, i) => priceRow({ model: `gpt-tables-${seed}-${i}`, ...cells }),
  },
  {
    input: format('revenue'),
    header: REVENUE_HEADER,
    columns: REVENUE_HEADER.split(','),
    column: { money: 'amount', date: 'month', text: 'customer_id' },
    row: (cells, seed, i) => revenueRow({ customer_id: `cus_tables_${seed}_${i}`, ...cells }),
  },
];

/** The header and 3 rows, row 2 (line 3) with the given cells. */
function threeRows(kind: TableKind, bad: Partial<Record<string, string>>, seed = nextSeed()): string {
  return [kind.header, kind.row({}, seed, 0), kind.row(bad, seed, 1), kind.row({}, seed, 2)]
    .join('\n')
    .concat('\n');
}

// --- values ---------------------------------------------------------------------------------------------

interface ValueFault {
  fault: string;
  role: Role | 'currency';
  value: string;
  quoted: string;
  says: RegExp;
  only?: InputFormat['name'];
}

const REFUSED_VALUES: ValueFault[] = [
  {
    fault: 'a decimal comma "12,5"',
    role: 'money',
    value: '12,5',
    quoted: '"12,5"',
    says: /is not a decimal number/,
  },
  {
    fault: 'an overflowing "1e309"',
    role: 'money',
    value: '1e309',
    quoted: '"1e309"',
    says: /is not a decimal number/,
  },
  // Unlike FOCUS ("plain decimals with an optional exponent", "1.2E-5"), these files take no exponent at all.
  {
    fault: 'an exponent "1e3"',
    role: 'money',
    value: '1e3',
    quoted: '"1e3"',
    says: /is not a decimal number/,
  },
  {
    fault: 'a currency sign "$10"',
    role: 'money',
    value: '$10',
    quoted: '"$10"',
    says: /is not a decimal number/,
  },
  { fault: 'an empty amount', role: 'money', value: '', quoted: '""', says: /is not a decimal number/ },
  {
    fault: 'a negative price',
    role: 'money',
    value: '-2.5',
    quoted: '-2.5',
    says: /is negative/,
    only: 'prices',
  },
  {
    fault: 'a date-time without a time zone',
    role: 'date',
    value: '2026-11-01T10:00:00',
    quoted: '"2026-11-01T10:00:00"',
    says: /is not (a date YYYY-MM-DD|YYYY-MM)/,
  },
  {
    fault: 'a date that does not exist',
    role: 'date',
    value: '2026-02-30',
    quoted: '"2026-02-30"',
    says: /is not a date YYYY-MM-DD/,
    only: 'prices',
  },
  {
    fault: 'a month 13',
    role: 'date',
    value: '2026-13',
    quoted: '"2026-13"',
    says: /is not YYYY-MM/,
    only: 'revenue',
  },
  {
    fault: 'an unknown currency EUR',
    role: 'currency',
    value: 'EUR',
    quoted: '"EUR"',
    says: /only USD is supported/,
    only: 'revenue',
  },
];

describe('ingest prices / revenue: a bad value on line 3 → exit 1, one line naming line 3, the field and the value', () => {
  for (const kind of KINDS) {
    for (const f of REFUSED_VALUES) {
      if (f.only !== undefined && f.only !== kind.input.name) continue;
      const field = f.role === 'currency' ? 'currency' : kind.column[f.role];
      it(`${kind.input.name}: ${f.fault} in ${field} → exit 1 naming line 3, ${field}, ${f.quoted}`, async () => {
        // Prepare
        const file = lake.file('csv', threeRows(kind, { [field]: csvCell(f.value) }));
        const before = lake.snapshot();

        // Act
        const run = await lake.run(...kind.input.argv(file));

        // Assess
        expectRefused(run, file, before, lake.snapshot(), { quoted: f.quoted, says: f.says });
        expectOneLine(run, file, 'line 3', field);
        expectBounded(run);
      });
    }

    const money = kind.column.money;
    it(`${kind.input.name}: a 10 MB ${money} → exit 1 naming line 3, ${money}, lake unchanged`, async () => {
      // Prepare
      const file = lake.file('csv', threeRows(kind, { [money]: `${'9'.repeat(HUGE)}x` }));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), { says: /is not a decimal number/ });
      expect(run.stderr.startsWith(`tokenledger: ${file}: line 3: ${money}: "9999`)).toBe(true);
    });

    // Was a bug (src/core/csv-rows.ts decimal, utcDate; price-book.ts; revenue.ts): the bad value was quoted
    // whole with JSON.stringify — a 10 MB cell gave a 10 MB error line. These messages now use quote() from
    // packages/client/src/contract/rejection.ts, which cuts at 80 characters, as the invoices and events do.
    it(`${kind.input.name}: a 10 MB ${money} → the error stays short`, async () => {
      // Prepare
      const file = lake.file('csv', threeRows(kind, { [money]: `${'9'.repeat(HUGE)}x` }));

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expect(run.code).toBe(1);
      expectBounded(run);
    });

    // Was a bug (src/core/csv-rows.ts decimal): /^-?\d+(\.\d+)?$/ let a 310-digit number through and
    // Number() made it Infinity, which was stored. A number beyond the range of a double is now refused,
    // naming the line, the field and the value (shortened).
    it(`${kind.input.name}: a 310-digit ${money} → exit 1 naming line 3, ${money} and the value, shortened`, async () => {
      // Prepare
      const file = lake.file('csv', threeRows(kind, { [money]: `1${'0'.repeat(309)}` }));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expect(run.code).toBe(1);
      expect(lake.snapshot()).toEqual(before);
      expectOneLine(run, file, 'line 3', money);
      expect(run.stderr).toMatch(/: "1000+\.\.\. is too large \(beyond the range of a double\)$/m);
      expectBounded(run);
    });
  }

  it('revenue: a negative amount (a refund) → accepted, stored as it is (no rule against it)', async () => {
    // Prepare: docs/finance.md and revenue.ts state no sign rule; a negative month is a refund or a credit note.
    const seed = nextSeed();
    const kind = KINDS[1] as TableKind;
    const file = lake.file('csv', threeRows(kind, { amount: '-10.00' }, seed));

    // Act
    const run = await lake.run(...kind.input.argv(file));

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const rows = await queryJson(
      lake.lake,
      `SELECT amount FROM revenue WHERE source_file = '${file}' ORDER BY amount`,
    );
    expect(rows.map((r) => Number(r.amount))).toEqual([-10, 10, 10]);
  });

  it('revenue: currency "usd" in lower case → accepted as USD', async () => {
    // Prepare
    const seed = nextSeed();
    const kind = KINDS[1] as TableKind;
    const file = lake.file('csv', threeRows(kind, { currency: 'usd' }, seed));

    // Act
    const run = await lake.run(...kind.input.argv(file));

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(await kind.input.stored(lake, file, seed)).toBe(3);
  });
});

// --- broken CSV -----------------------------------------------------------------------------------------

describe('ingest prices / revenue: broken CSV → exit 1 naming the line and the column, lake unchanged', () => {
  for (const kind of KINDS) {
    const seed = () => nextSeed();
    const required = kind.columns[3] as string; // usd_per_million_tokens / amount
    const cases = [
      {
        fault: `a required column missing (${required})`,
        text: () => {
          const s = seed();
          const drop = (line: string) =>
            line
              .split(',')
              .filter((_, i) => i !== 3)
              .join(',');
          return [drop(kind.header), drop(kind.row({}, s, 0))].join('\n');
        },
        position: 'line 1',
        field: required,
        says: /missing column \(header: /,
      },
      {
        fault: 'a stray quote inside a field on line 3',
        text: () => threeRows(kind, { [kind.column.text]: 'ab"c' }),
        position: 'line 3',
        field: kind.column.text,
        says: /Invalid Opening Quote/,
      },
      {
        fault: 'a row cut short (truncated download) on line 3',
        text: () => {
          const s = seed();
          return [kind.header, kind.row({}, s, 0), kind.row({}, s, 1).slice(0, 12)].join('\n');
        },
        position: 'line 3',
        says: /columns length is \d, got \d on line 3/,
      },
      {
        fault: 'an extra field on line 3',
        text: () => {
          const s = seed();
          return [kind.header, kind.row({}, s, 0), `${kind.row({}, s, 1)},surplus`, kind.row({}, s, 2)].join(
            '\n',
          );
        },
        position: 'line 3',
        says: /columns length is \d, got \d on line 3/,
      },
      {
        fault: 'an unclosed quote on the last line',
        text: () => {
          const s = seed();
          return [kind.header, kind.row({}, s, 0), kind.row({ [kind.column.text]: '"open' }, s, 1)].join(
            '\n',
          );
        },
        position: 'line 3',
        field: kind.column.text,
        says: /Quote Not Closed/,
      },
      { fault: 'only a header', text: () => `${kind.header}\n`, position: 'line 1', says: /no rows/ },
    ];
    for (const c of cases) {
      it(`${kind.input.name}: ${c.fault} → exit 1 naming ${c.position}${c.field ? `, ${c.field}` : ''}`, async () => {
        // Prepare
        const file = lake.file('csv', c.text());
        const before = lake.snapshot();

        // Act
        const run = await lake.run(...kind.input.argv(file));

        // Assess
        expectRefused(run, file, before, lake.snapshot(), { position: c.position, says: c.says });
        if (c.field) expectOneLine(run, file, c.position, c.field);
        expectBounded(run);
      });
    }

    const unclosed = () => {
      const s = nextSeed();
      return [
        kind.header,
        kind.row({}, s, 0),
        kind.row({ [kind.column.text]: '"open' }, s, 1),
        kind.row({}, s, 2),
        kind.row({}, s, 3),
      ].join('\n');
    };
    it(`${kind.input.name}: an unclosed quote on line 3 of 5 → exit 1 naming ${kind.column.text}, lake unchanged`, async () => {
      // Prepare
      const file = lake.file('csv', unclosed());
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), {
        field: kind.column.text,
        says: /Quote Not Closed/,
      });
    });

    // Was a bug (src/core/csv-rows.ts, as in focus.ts): an unclosed quote was named by the line where the
    // parser gave up (the end of the file, "line 5"), not the line where its row starts (line 3). The row now
    // starts on the first line after csv-parse's `bytes_records` (the end of the last complete record).
    it(`${kind.input.name}: an unclosed quote on line 3 of 5 → names line 3, where its row starts`, async () => {
      // Prepare
      const file = lake.file('csv', unclosed());

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectOneLine(run, file, 'line 3', kind.column.text);
    });

    // Was a bug (src/core/csv-rows.ts `columns: true`): a column named twice was not refused: csv-parse kept the
    // LAST value, so `...,amount,currency,amount` with `10.00,USD,-500` stored -500 without a word. The header
    // is now checked for duplicates and the file refused at line 1, naming the column, as FOCUS does.
    it(`${kind.input.name}: a column named twice → exit 1 at line 1 naming the column`, async () => {
      // Prepare
      const s = nextSeed();
      const dup = kind.column.money;
      const second = kind.input.name === 'prices' ? '99' : '-500'; // a valid value, not the first one
      const file = lake.file('csv', [`${kind.header},${dup}`, `${kind.row({}, s, 0)},${second}`].join('\n'));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}: line 1: ${dup}`);
      expect(lake.snapshot()).toEqual(before);
    });

    // Was a finding (issue 13): a 9 MB file whose header has a million extra columns was accepted using ~520 MB.
    // The header is now capped at CSV_COLUMNS_MAX (1,000) columns and refused at line 1 beyond it.
    it(`${kind.input.name}: a header with a million extra columns → exit 1 at line 1 naming the count, lake unchanged`, async () => {
      // Prepare
      const s = nextSeed();
      const extra = Array.from({ length: 1_000_000 }, (_, i) => `x${i}`).join(',');
      const file = lake.file('csv', [`${kind.header},${extra}`, kind.row({}, s, 0)].join('\n'));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`${file}: line 1: csv: the header has \\d+ columns, more than 1000 allowed`),
      );
      expectBounded(run);
      expect(lake.snapshot()).toEqual(before);
    });

    // Was a bug (src/core/csv-rows.ts `comment: '#'`): csv-parse treated `#` ANYWHERE in a line as the start
    // of a comment, not only at the start of a line as price-book.ts documents. `comment_no_infix: true` now
    // keeps a `#` inside a value.
    it(`${kind.input.name}: a ${kind.column.text} holding "#" → stored as written`, async () => {
      // Prepare
      const s = nextSeed();
      const name = kind.input.name === 'prices' ? `ft:gpt-4o#${s}` : `acct#${s}`;
      const file = lake.file('csv', `${kind.header}\n${kind.row({ [kind.column.text]: name }, s, 0)}\n`);

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expect(run.code, run.stderr).toBe(0);
      const from = kind.input.name === 'prices' ? 'prices' : 'revenue';
      const rows = await queryJson(
        lake.lake,
        `SELECT ${kind.column.text} AS v FROM ${from} WHERE v = '${name}'`,
      );
      expect(rows).toHaveLength(1);
    });
  }

  it('prices: a line starting with # → a comment, skipped; the other rows stored', async () => {
    // Prepare
    const s = nextSeed();
    const kind = KINDS[0] as TableKind;
    const file = lake.file(
      'csv',
      [kind.header, '# list prices of 2026-11', kind.row({}, s, 0), kind.row({}, s, 1)].join('\n'),
    );

    // Act
    const run = await lake.run(...kind.input.argv(file));

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(await kind.input.stored(lake, file, s)).toBe(2);
  });
});

// --- nothing valid lost -----------------------------------------------------------------------------------

describe('ingest prices / revenue: several bad rows → refused whole, the first bad row named', () => {
  // The contract (docs/finance.md "A file is stored whole or refused whole"; price-book.ts / revenue.ts "Refused whole
  // on the first bad line"): nothing of the file is stored and only the FIRST bad line is named; the user
  // learns of line 5 after fixing line 3. Nothing is lost silently (exit 1, the file stays as it was).
  for (const kind of KINDS) {
    it(`${kind.input.name}: bad lines 3 and 5 of 5 → exit 1 naming line 3 only, nothing stored`, async () => {
      // Prepare
      const s = nextSeed();
      const money = kind.column.money;
      const file = lake.file(
        'csv',
        [
          kind.header,
          kind.row({}, s, 0),
          kind.row({ [money]: 'n/a' }, s, 1),
          kind.row({}, s, 2),
          kind.row({ [kind.column.date]: 'soon' }, s, 3),
        ].join('\n'),
      );
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...kind.input.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), { quoted: '"n/a"' });
      expectOneLine(run, file, 'line 3', money);
      expect(run.stderr).not.toContain('line 5');
      expect(await kind.input.stored(lake, file, s)).toBe(0);
    });
  }
});
