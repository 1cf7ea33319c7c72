/**
 * Issue 6, case 9 — bad input to `prompts register` (a JSON object, an array, or JSONL). Each record is
 * checked on its own: the valid records of a file are registered, every refused one is named on stderr as
 * `FILE: line N: refused: FIELD: reason, got VALUE` (or `record N` in an array), and the exit is 1. A file
 * with no record to name (empty, a broken array) is refused whole and the registry left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import {
  deployRecord,
  expectBounded,
  expectRefused,
  FaultLake,
  format,
  HUGE,
  nextSeed,
} from './fault-kit.ts';

let lake: FaultLake;
beforeAll(async () => {
  lake = await FaultLake.create('prompts');
  await lake.seed();
});
afterAll(async () => {
  await lake.remove();
});

const prompts = format('prompts');
const versions = async (seed: number) =>
  (await new FsPromptRegistry(lake.lake).list())
    .map((r) => r.version)
    .filter((v) => v.startsWith(`v${seed}-`))
    .sort();

const record = (seed: number, i: number, overrides: Record<string, unknown> = {}) =>
  deployRecord({ version: `v${seed}-${i}`, ...overrides });

interface RecordFault {
  fault: string;
  /** Line 2 of the JSONL file. */
  line2: (seed: number) => string;
  field: string;
  quoted?: string;
  says: RegExp;
}

const withEval = (over: Record<string, unknown>) => ({
  eval: { run_id: 'eval-1', passed: true, score: 0.9, at: '2026-11-01T09:00:00Z', ...over },
});

const FAULTS: RecordFault[] = [
  {
    fault: 'a line cut mid-object',
    line2: (s) => JSON.stringify(record(s, 1)).slice(0, 50),
    field: 'not valid JSON',
    says: /not valid JSON \(.+position \d+\)/,
  },
  {
    fault: 'a prompt_id nested 10,000 arrays deep',
    line2: (s) =>
      JSON.stringify(record(s, 1, { prompt_id: 'NESTED' })).replace(
        '"NESTED"',
        '['.repeat(10_000) + ']'.repeat(10_000),
      ),
    field: 'prompt_id',
    quoted: 'got [[[[',
    says: /must be/,
  },
  {
    fault: 'a number as a string (eval.score "0.9")',
    line2: (s) => JSON.stringify(record(s, 1, withEval({ score: '0.9' }))),
    field: 'eval.score',
    quoted: 'got "0.9"',
    says: /must be a number/,
  },
  {
    fault: 'a number as a string (rollout.percent "10")',
    line2: (s) => JSON.stringify(record(s, 1, { rollout: { cohorts: ['pro'], percent: '10' } })),
    field: 'rollout.percent',
    quoted: 'got "10"',
    says: /must be a number from 0 to 100/,
  },
  {
    fault: 'a negative rollout.percent',
    line2: (s) => JSON.stringify(record(s, 1, { rollout: { cohorts: ['pro'], percent: -5 } })),
    field: 'rollout.percent',
    quoted: 'got -5',
    says: /must be from 0 to 100/,
  },
  {
    fault: 'a deployed_at without a time zone',
    line2: (s) => JSON.stringify(record(s, 1, { deployed_at: '2026-11-01T12:00:00' })),
    field: 'deployed_at',
    quoted: 'got "2026-11-01T12:00:00"',
    says: /is not an ISO-8601 date-time with seconds and Z/,
  },
  {
    fault: 'an approved_at that is a date only',
    line2: (s) => JSON.stringify(record(s, 1, { approved_at: '2026-11-01' })),
    field: 'approved_at',
    quoted: 'got "2026-11-01"',
    says: /is not an ISO-8601 date-time/,
  },
  {
    fault: 'a misspelt field (aproved_by)',
    line2: (s) => JSON.stringify(record(s, 1, { aproved_by: 'bo@example.com' })),
    field: 'aproved_by',
    quoted: 'got "bo@example.com"',
    says: /is not a field of a deploy record/,
  },
  {
    fault: 'a 10 MB change_ref',
    line2: (s) => JSON.stringify(record(s, 1, { change_ref: 'x'.repeat(HUGE) })),
    field: 'change_ref',
    quoted: 'got "xxxx',
    says: /longer than 1024 characters/,
  },
  {
    fault: 'a JSON string instead of an object',
    line2: () => '"support-agent v2"',
    field: 'must be a JSON object',
    says: /refused: must be a JSON object, got "support-agent v2"/,
  },
];

describe('prompts register: one bad record on line 2 of 3 (JSONL)', () => {
  for (const f of FAULTS) {
    it(`prompts: ${f.fault} → exit 1, lines 1 and 3 registered, line 2 refused naming ${f.field}`, async () => {
      // Prepare
      const s = nextSeed();
      const file = lake.file(
        'jsonl',
        [JSON.stringify(record(s, 0)), f.line2(s), JSON.stringify(record(s, 2))].join('\n'),
      );

      // Act
      const run = await lake.run(...prompts.argv(file));

      // Assess
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toContain(`${file}: 2 registered, 0 already registered, 1 invalid`);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]?.startsWith(`${file}: line 2: refused: `), run.stderr).toBe(true);
      expect(lines[0]).toContain(f.field);
      if (f.quoted) expect(lines[0]).toContain(f.quoted);
      expect(lines[0]).toMatch(f.says);
      expectBounded(run);
      expect(await versions(s)).toEqual([`v${s}-0`, `v${s}-2`]);
    });
  }

  // Was a bug (packages/client/src/contract/rejection.ts:quote, as for events and invoices): eval.score 1e400 was refused as
  // "eval.score: must be a number, got null".
  it('prompts: eval.score 1e400 on line 2 → the message says Infinity, too large for a double, not null', async () => {
    // Prepare
    const s = nextSeed();
    const bad = JSON.stringify(record(s, 1)).replace('"score":0.9', '"score":1e400');
    const file = lake.file('jsonl', [JSON.stringify(record(s, 0)), bad].join('\n'));

    // Act
    const run = await lake.run(...prompts.argv(file));

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('got null');
    expect(run.stderr).toContain(
      'eval.score: must be a number, got Infinity (a number too large for a double)',
    );
  });
});

describe('prompts register: arrays and single objects', () => {
  it('an array with a bad record 2 of 3 → exit 1, records 1 and 3 registered, "record 2" refused', async () => {
    // Prepare
    const s = nextSeed();
    const file = lake.file(
      'json',
      JSON.stringify([record(s, 0), record(s, 1, { author: '' }), record(s, 2)], null, 2),
    );

    // Act
    const run = await lake.run(...prompts.argv(file));

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd()).toBe(`${file}: record 2: refused: author: must not be empty, got ""`);
    expect(await versions(s)).toEqual([`v${s}-0`, `v${s}-2`]);
  });

  const cases = [
    {
      fault: 'a one-line object cut mid-string',
      text: (s: number) => JSON.stringify(record(s, 0)).slice(0, 60),
      says: /line 1: refused: not valid JSON \(Unterminated string in JSON at position \d+\)/,
    },
    {
      fault: 'a pretty-printed object cut mid-object',
      text: (s: number) => JSON.stringify(record(s, 0), null, 2).slice(0, 120),
      says: /not valid JSON/,
    },
    {
      fault: 'an array cut mid-object',
      text: (s: number) => JSON.stringify([record(s, 0), record(s, 1)]).slice(0, 300),
      says: /is not a valid JSON array \(.+ in JSON at position \d+\)/,
    },
    {
      fault: 'an array cut after a comma',
      text: (s: number) => `[${JSON.stringify(record(s, 0))},\n`,
      says: /is not a valid JSON array \(Unexpected end of JSON input\)/,
    },
    { fault: 'an empty array', text: () => '[]', says: /holds no records \(the array is empty\)/ },
  ];
  for (const c of cases) {
    it(`prompts: ${c.fault} → exit 1 naming the file, nothing registered`, async () => {
      // Prepare
      const s = nextSeed();
      const file = lake.file('json', c.text(s));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...prompts.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), { says: c.says });
      expectBounded(run);
    });
  }

  // Was a bug (src/core/prompts/deploy-record.ts parseRecordsFile): a pretty-printed object that did not parse
  // fell through to JSONL, so ONE cut-off record was reported as one "not valid JSON" error per line ("… 4
  // invalid"), none of which said that the object is cut off, nor where. A file starting with "{" whose first
  // line is not a record of its own (and is not followed by one) is now read as one object: one refusal that
  // names where it is cut off.
  it('prompts: a pretty-printed object cut mid-object → one refusal, "1 invalid", saying where it is cut off', async () => {
    // Prepare
    const file = lake.file('json', JSON.stringify(record(nextSeed(), 0), null, 2).slice(0, 120));

    // Act
    const run = await lake.run(...prompts.argv(file));

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('0 registered, 0 already registered, 1 invalid');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^\S+: line 1: refused: not valid JSON \(.+\): truncated JSON at line \d+, column \d+$/m,
    );
  });

  // Was a gap (src/core/prompts/deploy-record.ts): a broken array was named without a position when the file
  // ends early ("is not a valid JSON array (Unexpected end of JSON input)"). It now says "truncated JSON at
  // line L, column C" (the end of the text), as the invoices name a JSON error.
  it('prompts: an array cut after a comma → names the line where it stops', async () => {
    // Prepare
    const file = lake.file('json', `[${JSON.stringify(record(nextSeed(), 0))},\n`);

    // Act
    const run = await lake.run(...prompts.argv(file));

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/: truncated JSON at line 1, column \d+$/m);
  });
});
