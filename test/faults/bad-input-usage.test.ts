/**
 * Issue 6, case 9 — bad usage of every CLI command: exit 2 with ONE line that quotes the bad value (an unknown
 * command or option, a missing or extra FILE, a bad --format / --month / --from / --to / --events / --at, a
 * --lake that is a file), and a FILE that cannot be read (missing, a folder): exit 1 naming it. The lake —
 * one that holds data — is left as it was every time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../cli/run-cli.ts';
import { FaultLake, type FormatName, format, nextSeed } from './fault-kit.ts';

let lake: FaultLake;
beforeAll(async () => {
  lake = await FaultLake.create('usage');
  await lake.seed();
});
afterAll(async () => {
  await lake.remove();
});

/**
 * Exit 2, nothing on stdout, one line on stderr containing `quotes`, the lake as it was. `--lake` is added
 * at the end unless argv already names it.
 */
async function expectUsage(argv: string[], quotes: string | RegExp): Promise<CliRun> {
  const before = lake.snapshot();
  const run = argv.includes('--lake') ? await runCli(...argv) : await lake.run(...argv);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  if (typeof quotes === 'string') expect(lines[0]).toContain(quotes);
  else expect(lines[0]).toMatch(quotes);
  expect(lake.snapshot()).toEqual(before);
  return run;
}

/** Every command, with arguments that are valid on their own (input files valid too). */
interface Command {
  name: string;
  argv: () => string[];
  /** The input format, for the commands that read a FILE. */
  input?: FormatName;
}

const fileCommand = (name: string, input: FormatName): Command => ({
  name,
  input,
  argv: () => {
    const f = format(input);
    return f.argv(lake.file(f.ext, f.valid(nextSeed())));
  },
});

const COMMANDS: Command[] = [
  fileCommand('ingest events', 'events'),
  fileCommand('ingest invoice', 'focus'),
  fileCommand('ingest prices', 'prices'),
  fileCommand('ingest revenue', 'revenue'),
  fileCommand('prompts register', 'prompts'),
  {
    name: 'prompts retire',
    argv: () => ['prompts', 'retire', 'faults-agent', 'v1', '--at', '2026-11-20T08:00:00Z'],
  },
  { name: 'query', argv: () => ['query', 'SELECT 1'] },
  { name: 'report margin', argv: () => ['report', 'margin', '--month', '2026-11'] },
  { name: 'report reconciliation', argv: () => ['report', 'reconciliation', '--month', '2026-11'] },
  { name: 'report waste', argv: () => ['report', 'waste', '--from', '2026-11-01', '--to', '2026-11-08'] },
  {
    name: 'report governance',
    argv: () => ['report', 'governance', '--from', '2026-11-01', '--to', '2026-11-08'],
  },
  { name: 'demo', argv: () => ['demo', '--events', '10'] },
];
const FILE_COMMANDS = COMMANDS.filter((c) => c.input !== undefined);

describe('unknown commands and options → exit 2, one line quoting them', () => {
  for (const argv of [['frobnicate'], ['ingest', 'bogus'], ['report', 'nope'], ['prompts', 'list']]) {
    const asked = argv.join(' ');
    it(`"${asked}" → exit 2 quoting "${asked}"`, async () => {
      await expectUsage(argv, `unknown command ${JSON.stringify(asked)}`);
    });
  }

  it('"ingest --lake DIR" (no subcommand) → exit 2, one line', async () => {
    await expectUsage(['ingest'], /^tokenledger: "ingest" needs a subcommand/);
  });

  // Was a bug (src/cli/main.ts): for a command group without its subcommand, the next argument was quoted as if
  // it were the subcommand even when it is an option: `tokenledger ingest --lake DIR` said
  // `unknown command "ingest --lake"`. The row first asked for `unknown command "ingest";`, but "ingest" is a
  // known command group, not an unknown command: the message now says what is missing and lists the
  // subcommands (the fix the row's comment suggested).
  it('"ingest --lake DIR" → quotes "ingest", not the option after it, and lists its subcommands', async () => {
    await expectUsage(
      ['ingest'],
      'tokenledger: "ingest" needs a subcommand: events, otlp, invoice, prices, revenue',
    );
  });

  for (const [group, subcommands] of [
    ['prompts', 'register, retire'],
    ['report', 'margin, reconciliation, waste, governance'],
  ] as const) {
    it(`"${group}" alone → exit 2, "${group}" needs a subcommand: ${subcommands}`, async () => {
      await expectUsage([group, '--lake', lake.lake], `"${group}" needs a subcommand: ${subcommands}`);
    });
  }

  for (const c of COMMANDS) {
    it(`${c.name} … --nope → exit 2 quoting '--nope'`, async () => {
      await expectUsage([...c.argv(), '--nope'], `Unknown option '--nope'`);
    });
  }
});

describe('missing, extra and unreadable FILE', () => {
  for (const c of FILE_COMMANDS) {
    it(`${c.name} without FILE → exit 2 with its usage line`, async () => {
      const argv = c.argv().filter((a) => !a.startsWith(lake.dir));
      await expectUsage(argv, /usage: tokenledger /);
    });

    it(`${c.name} FILE other.txt → exit 2 quoting "other.txt"`, async () => {
      const argv = c.argv();
      await expectUsage([...argv.slice(0, 3), 'other.txt', ...argv.slice(3)], '"other.txt"');
    });

    it(`${c.name} with a FILE that does not exist → exit 1 "cannot be read (ENOENT)", lake unchanged`, async () => {
      const missing = join(lake.dir, `missing-${nextSeed()}.txt`);
      const argv = c.argv().map((a) => (a.startsWith(lake.dir) ? missing : a));
      const before = lake.snapshot();
      const run = await lake.run(...argv);
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd()).toBe(`tokenledger: ${missing}: cannot be read (ENOENT)`);
      expect(lake.snapshot()).toEqual(before);
    });

    // docs/contracts.md §9: exit 1 for "a file that cannot be read" — a folder is one (it is not a usage error).
    it(`${c.name} with a folder as FILE → exit 1 "cannot be read (EISDIR)", lake unchanged`, async () => {
      const folder = join(lake.dir, `folder-${nextSeed()}`);
      mkdirSync(folder);
      const argv = c.argv().map((a) => (a.startsWith(lake.dir) ? folder : a));
      const before = lake.snapshot();
      const run = await lake.run(...argv);
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd()).toBe(`tokenledger: ${folder}: cannot be read (EISDIR)`);
      expect(lake.snapshot()).toEqual(before);
    });
  }
});

describe('bad option values → exit 2 quoting the value', () => {
  const invoice = () => format('focus').argv(lake.file('csv', format('focus').valid(nextSeed())));
  const rows: { title: string; argv: () => string[]; quotes: string | RegExp }[] = [
    {
      title: 'ingest invoice without --format',
      argv: () => invoice().slice(0, 3),
      quotes: 'ingest invoice needs --format',
    },
    {
      title: 'ingest invoice --format azure',
      argv: () => [...invoice().slice(0, 3), '--format', 'azure'],
      quotes: '--format "azure" is not one of openai-costs, anthropic-cost-report, focus',
    },
    {
      title: 'ingest invoice --format (no value, last)',
      argv: () => [...invoice().slice(0, 3), '--lake', lake.lake, '--format'],
      quotes: "'--format <value>' argument missing",
    },
    {
      title: 'report margin --month 2026-13',
      argv: () => ['report', 'margin', '--month', '2026-13'],
      quotes: '"2026-13"',
    },
    {
      title: 'report margin --month 2026-1',
      argv: () => ['report', 'margin', '--month', '2026-1'],
      quotes: '"2026-1"',
    },
    {
      title: 'report margin (no --month)',
      argv: () => ['report', 'margin'],
      quotes: 'needs --month YYYY-MM',
    },
    {
      title: 'report reconciliation --month 11/2026',
      argv: () => ['report', 'reconciliation', '--month', '11/2026'],
      quotes: '"11/2026"',
    },
    {
      title: 'report margin --format xml',
      argv: () => ['report', 'margin', '--month', '2026-11', '--format', 'xml'],
      quotes: '--format "xml" is not one of table, json, csv',
    },
    {
      title: 'report waste --from 2026-02-30',
      argv: () => ['report', 'waste', '--from', '2026-02-30', '--to', '2026-03-02'],
      quotes: '--from "2026-02-30" is not a date YYYY-MM-DD',
    },
    {
      title: 'report governance --to 2026-11-08T00:00:00Z',
      argv: () => ['report', 'governance', '--from', '2026-11-01', '--to', '2026-11-08T00:00:00Z'],
      quotes: '"2026-11-08T00:00:00Z"',
    },
    {
      title: 'report waste --to before --from',
      argv: () => ['report', 'waste', '--from', '2026-11-08', '--to', '2026-11-01'],
      quotes: '--to "2026-11-01" is not after --from "2026-11-08"',
    },
    {
      title: 'report governance --min-requests 0',
      argv: () => [
        'report',
        'governance',
        '--from',
        '2026-11-01',
        '--to',
        '2026-11-08',
        '--min-requests',
        '0',
      ],
      quotes: '--min-requests "0"',
    },
    {
      title: 'report governance --change-threshold 25%',
      argv: () => [
        'report',
        'governance',
        '--from',
        '2026-11-01',
        '--to',
        '2026-11-08',
        '--change-threshold',
        '25%',
      ],
      quotes: '--change-threshold "25%"',
    },
    { title: 'query --format xml', argv: () => ['query', 'SELECT 1', '--format', 'xml'], quotes: '"xml"' },
    {
      title: 'demo --events 0',
      argv: () => ['demo', '--events', '0'],
      quotes: '--events "0" is not a positive whole number',
    },
    { title: 'demo --events 1.5', argv: () => ['demo', '--events', '1.5'], quotes: '--events "1.5"' },
    { title: 'demo --events 1e3', argv: () => ['demo', '--events', '1e3'], quotes: '--events "1e3"' },
    { title: 'demo --seed 0', argv: () => ['demo', '--events', '10', '--seed', '0'], quotes: '--seed "0"' },
    {
      title: 'demo --month 2026-13',
      argv: () => ['demo', '--events', '10', '--month', '2026-13'],
      quotes: '"2026-13"',
    },
    {
      title: 'prompts retire --at without a time zone',
      argv: () => ['prompts', 'retire', 'faults-agent', 'v1', '--at', '2026-11-20T08:00:00'],
      quotes: '--at "2026-11-20T08:00:00" is not an ISO-8601 date-time',
    },
    {
      title: 'prompts register --region without --table',
      argv: () => [
        ...format('prompts').argv(lake.file('jsonl', format('prompts').valid(nextSeed()))),
        '--region',
        'eu-west-1',
      ],
      quotes: '--region is for the DynamoDB registry: give --table too',
    },
  ];
  for (const r of rows) {
    it(`${r.title} → exit 2, one line quoting it`, async () => {
      await expectUsage(r.argv(), r.quotes);
    });
  }

  // Was a bug (src/cli/args.ts parseCommand): node's parseArgs explains an option whose value looks like an
  // option in THREE lines, without the value. It is now one line quoting the option and the value, e.g.
  // `demo: option '--events' needs a value, got "-5" (if that is its value, write --events=-5)`.
  const ambiguous = [
    {
      title: 'demo --events -5',
      argv: ['demo', '--events', '-5'],
      quotes: `demo: option '--events' needs a value, got "-5" (if that is its value, write --events=-5)`,
    },
    {
      title: 'ingest invoice FILE --format --lake DIR',
      argv: ['ingest', 'invoice', 'x.csv', '--format'],
      quotes: `ingest invoice: option '--format' needs a value, got "--lake" (if that is its value, write --format=--lake)`,
    },
  ];
  for (const a of ambiguous) {
    it(`${a.title} → exit 2`, async () => {
      const run = await lake.run(...a.argv);
      expect(run.code).toBe(2);
    });
    it(`${a.title} → one line quoting the option and its value`, async () => {
      await expectUsage(a.argv, a.quotes);
    });
  }
});

describe('--lake that is a file → exit 2 "is not a folder", the file untouched', () => {
  for (const c of COMMANDS) {
    it(`${c.name} --lake FILE → exit 2 quoting the path`, async () => {
      // Prepare
      const notAFolder = join(lake.dir, `lake-file-${nextSeed()}`);
      writeFileSync(notAFolder, 'not a lake\n');
      const argv = c.argv();

      // Act
      const run = await runCli(...argv, '--lake', notAFolder);

      // Assess
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trimEnd()).toBe(`tokenledger: --lake ${JSON.stringify(notAFolder)} is not a folder`);
      expect(readFileSync(notAFolder, 'utf8')).toBe('not a lake\n');
    });
  }
});
