/**
 * Issue 6, case 9 — bad input to `ingest events` (JSONL). Each fault sits on line 2 of a 3-line file between
 * two valid events. Without --strict the valid events are stored and the bad one quarantined and listed as
 * `FILE:2: reason` (exit 0: the pipeline working as designed); with --strict the file is refused whole
 * (exit 1) naming `FILE:2` and the field, and the lake is left as it was.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev, eventCounts, expectBounded, expectRefused, FaultLake, format, HUGE } from './fault-kit.ts';

let lake: FaultLake;
beforeAll(async () => {
  lake = await FaultLake.create('events');
  await lake.seed();
});
afterAll(async () => {
  await lake.remove();
});

const events = format('events');
const strict = format('events --strict');

interface EventFault {
  fault: string;
  bad: () => string;
  field?: string;
  quoted?: string;
  says?: RegExp;
}

const FAULTS: EventFault[] = [
  { fault: 'a line cut mid-object', bad: () => ev().slice(0, 40), says: /not JSON \(.+\): "\{\\"v\\":1,/ },
  {
    fault: 'a number as a string',
    bad: () => ev({ input_tokens: '12' }),
    field: 'input_tokens',
    quoted: '"12"',
  },
  {
    fault: 'negative tokens',
    bad: () => ev({ output_tokens: -1 }),
    field: 'output_tokens',
    quoted: '-1',
    says: /less than 0/,
  },
  {
    fault: 'a ts without a time zone',
    bad: () => ev({ ts: '2024-06-03T09:30:00' }),
    field: 'ts',
    quoted: '"2024-06-03T09:30:00"',
  },
  {
    fault: 'a JSON array instead of an object',
    bad: () => '[1,2]',
    says: /must be a JSON object, got \[1,2\]/,
  },
  {
    fault: 'an overflowing number (1e400)',
    bad: () => ev({ input_tokens: 1000 }).replace('"input_tokens":1000', '"input_tokens":1e400'),
    field: 'input_tokens',
    says: /must be a number/,
  },
  // Was a bug (issue 13): quote() overflowed the stack on JSON.stringify, then on String(), so the whole record
  // failed and the valid events beside it were not stored.
  {
    fault: 'a model nested 10,000 arrays deep (20 KB)',
    bad: () => ev({ model: 'NESTED' }).replace('"NESTED"', '['.repeat(10_000) + ']'.repeat(10_000)),
    field: 'model',
    quoted: 'got [[[[',
    says: /must be a string/,
  },
  {
    fault: 'a 10 MB line',
    bad: () => ev({ tags: { note: 'x'.repeat(HUGE) } }),
    says: /event is \d+ bytes, more than 32768/,
  },
];

const threeLines = (bad: string) => `${ev()}\n${bad}\n${ev()}\n`;

function expectNamesLine2(text: string, file: string, f: EventFault): void {
  const named = text.split('\n').find((l) => l.includes(`${file}:2: `));
  expect(named, text).toBeDefined();
  if (f.field !== undefined) expect(named).toContain(`${f.field}: `);
  if (f.quoted !== undefined) expect(named).toContain(f.quoted);
  if (f.says !== undefined) expect(named).toMatch(f.says);
  expect(text).not.toContain(`${file}:1: `);
  expect(text).not.toContain(`${file}:3: `);
}

describe('ingest events: one bad line between two valid ones', () => {
  for (const f of FAULTS) {
    it(`events: ${f.fault} on line 2 → exit 0, lines 1 and 3 stored, line 2 quarantined and listed as FILE:2`, async () => {
      // Prepare
      const file = lake.file('jsonl', threeLines(f.bad()));
      const before = await eventCounts(lake);

      // Act
      const run = await lake.run(...events.argv(file));

      // Assess
      expect(run.code, run.stderr).toBe(0);
      expectNamesLine2(run.stdout, file, f);
      expect(run.stdout.length).toBeLessThan(4096);
      const after = await eventCounts(lake);
      expect(after.events).toBe(before.events + 2);
      expect(after.quarantined).toBe(before.quarantined + 1);
    });

    it(`events --strict: ${f.fault} on line 2 → exit 1 naming FILE:2 and the field, lake unchanged`, async () => {
      // Prepare
      const file = lake.file('jsonl', threeLines(f.bad()));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...strict.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), {
        says: /1 events break the contract; nothing was stored/,
      });
      expectNamesLine2(run.stderr, file, f);
      expect(run.stdout).toBe('');
      expectBounded(run);
    });
  }

  // Was a bug: a line over 32 KiB is refused by the client before it reaches the stream, so the consumer never
  // quarantined it and the summary did not add up (3 in, 2 accepted, 0 quarantined). The local pipeline
  // (src/jobs/local-pipeline.ts) now passes such lines to the consumer's batch as a record of their own, so
  // they are quarantined with the reason too_large; the client's own behaviour for apps is unchanged.
  it('events: a 10 MB line on line 2 → quarantined (too_large) like every other refused line, the summary adds up', async () => {
    // Prepare
    const file = lake.file('jsonl', threeLines(ev({ tags: { note: 'x'.repeat(HUGE) } })));
    const before = await eventCounts(lake);

    // Act
    const run = await lake.run(...events.argv(file));

    // Assess
    expect(run.code).toBe(0);
    expect((await eventCounts(lake)).quarantined).toBe(before.quarantined + 1);
    expect(run.stdout).toMatch(/^\s+accepted\s+2$/m);
    expect(run.stdout).toMatch(/^\s+quarantined\s+1$/m);
    expect(run.stdout).toMatch(/^\s+too_large\s+1$/m);
  });

  // Was a bug (packages/client/src/contract/rejection.ts:quote): JSON.stringify turns a non-finite number into "null", so an
  // overflowing 1e400 (JSON.parse reads it as Infinity) was reported as "must be a number, got null". quote()
  // now writes it as "Infinity (a number too large for a double)".
  it('events --strict: 1e400 on line 2 → the message says Infinity, too large for a double, not "null"', async () => {
    // Prepare
    const file = lake.file('jsonl', threeLines(ev({ input_tokens: 1000 }).replace(':1000', ':1e400')));

    // Act
    const run = await lake.run(...strict.argv(file));

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('got null');
    expect(run.stderr).toContain(
      'input_tokens: must be a number, got Infinity (a number too large for a double)',
    );
  });
});

describe('ingest events: nothing valid lost, every bad line told', () => {
  it('every line bad → exit 0, nothing stored, every line quarantined and named', async () => {
    // Prepare
    const file = lake.file('jsonl', ['{', ev({ ts: 'yesterday' }), ev({ status: 'done' })].join('\n'));
    const before = await eventCounts(lake);

    // Act
    const run = await lake.run(...events.argv(file));

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\s+accepted\s+0$/m);
    expect(run.stdout).toContain('3 events refused:');
    for (const n of [1, 2, 3]) expect(run.stdout).toContain(`${file}:${n}: `);
    expect(await eventCounts(lake)).toEqual({ events: before.events, quarantined: before.quarantined + 3 });
  });

  it('7 bad lines among 3 valid → 3 stored, all 7 quarantined, 5 listed then "… and 2 more"', async () => {
    // Prepare
    const lines = [
      ev(),
      ...Array.from({ length: 7 }, (_, i) => ev({ cohort: `Bad Cohort ${i}` })),
      ev(),
      ev(),
    ];
    const file = lake.file('jsonl', lines.join('\n'));
    const before = await eventCounts(lake);

    // Act
    const run = await lake.run(...events.argv(file));

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('7 events refused:');
    expect(run.stdout).toContain('… and 2 more');
    expect(await eventCounts(lake)).toEqual({
      events: before.events + 3,
      quarantined: before.quarantined + 7,
    });
  });

  it('--strict with bad lines 2 and 4 of 5 → exit 1 naming both lines, lake unchanged', async () => {
    // Prepare
    const file = lake.file('jsonl', [ev(), ev({ v: 2 }), ev(), ev({ feature: '' }), ev()].join('\n'));
    const before = lake.snapshot();

    // Act
    const run = await lake.run(...strict.argv(file));

    // Assess
    expectRefused(run, file, before, lake.snapshot(), {
      says: /2 events break the contract; nothing was stored/,
    });
    expect(run.stderr).toContain(`${file}:2: v: must be 1, got 2`);
    expect(run.stderr).toMatch(new RegExp(`${file.replaceAll('/', '\\/')}:4: feature: .*""`));
  });
});

/** The built CLI (npm test builds it first) with `input` on its stdin, as `… | tokenledger ingest events -` runs. */
function runWithStdin(
  input: string,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/tokenledger.js', ...argv], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('ingest events - (stdin): one bad line between two valid ones', () => {
  for (const f of FAULTS.filter((x) => !x.fault.startsWith('a 10 MB'))) {
    it(`stdin: ${f.fault} on line 2 → exit 0, lines 1 and 3 stored, line 2 quarantined and listed as -:2`, async () => {
      // Prepare
      const before = await eventCounts(lake);

      // Act
      const run = await runWithStdin(threeLines(f.bad()), 'ingest', 'events', '-', '--lake', lake.lake);

      // Assess
      expect(run.code, run.stderr).toBe(0);
      expectNamesLine2(run.stdout, '-', f);
      const after = await eventCounts(lake);
      expect(after.events).toBe(before.events + 2);
      expect(after.quarantined).toBe(before.quarantined + 1);
    });
  }

  it('stdin --strict: a bad line 2 → exit 1 naming -:2, lake unchanged', async () => {
    const before = lake.snapshot();
    const run = await runWithStdin(
      threeLines(ev({ output_tokens: -1 })),
      'ingest',
      'events',
      '-',
      '--strict',
      '--lake',
      lake.lake,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('-:2: ');
    expect(run.stderr).toContain('output_tokens: ');
    expect(lake.snapshot()).toEqual(before);
  });
});
