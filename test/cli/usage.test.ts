import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { runCli, snapshot } from './run-cli.ts';

let tmp: { dir: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('tokenledger-cli-usage-');
});
afterAll(async () => {
  await tmp.remove();
});

describe('usage errors', () => {
  it.each([
    { name: 'an unknown command', argv: ['frobnicate'], quotes: '"frobnicate"' },
    { name: 'an unknown option', argv: ['query', '--nope', 'x', '--lake', 'LAKE'], quotes: "'--nope'" },
    {
      name: 'a bad --format value',
      argv: ['query', 'SELECT 1', '--format', 'xml', '--lake', 'LAKE'],
      quotes: '"xml"',
    },
    {
      name: 'a --events value that is not a number',
      argv: ['demo', '--events', 'abc', '--lake', 'LAKE'],
      quotes: '"abc"',
    },
    {
      name: 'a --requests value that is not a number',
      argv: ['demo', '--requests', '-5', '--lake', 'LAKE'],
      quotes: '"-5"',
    },
    {
      name: 'both --requests and --events',
      argv: ['demo', '--requests', '10', '--events', '10', '--lake', 'LAKE'],
      quotes: '--requests or --events',
    },
    { name: 'a missing --lake value', argv: ['query', 'SELECT 1', '--lake'], quotes: "'--lake" },
  ])('exit 2 with one line quoting the bad value for $name', async ({ argv, quotes }) => {
    // Prepare
    const lake = join(tmp.dir, 'lake');

    // Act
    const run = await runCli(...argv.map((arg) => (arg === 'LAKE' ? lake : arg)));

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(quotes);
    expect(snapshot(tmp.dir)).toEqual([]);
  });

  it('quotes only the unknown command, not the argument that follows it', async () => {
    // Act
    const run = await runCli('qeury', 'SELECT 1');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('unknown command "qeury"');
  });

  it('exits 2 with a one-line usage when ingest events has no FILE', async () => {
    // Prepare
    const lake = join(tmp.dir, 'lake');

    // Act
    const run = await runCli('ingest', 'events', '--lake', lake);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ingest events FILE');
    expect(snapshot(tmp.dir)).toEqual([]);
  });

  it('exits 2 and prints the help on stderr when no command is given; --help prints it on stdout with exit 0', async () => {
    // Act
    const bare = await runCli();
    const help = await runCli('--help');

    // Assess
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('usage: tokenledger');
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toBe(bare.stderr);
  });

  // docs/contracts.md §9: bad usage "exits 2 with a one-line reason that quotes the bad value". An extra argument is
  // the bad value here; `demo x` quotes it, `ingest events` and `query` print their usage without it.
  it.each([
    { name: 'ingest events', argv: ['ingest', 'events', 'a.jsonl', 'b.jsonl'], extra: 'b.jsonl' },
    { name: 'query', argv: ['query', 'SELECT 1', 'SELECT 2'], extra: 'SELECT 2' },
    { name: 'demo', argv: ['demo', 'surplus'], extra: 'surplus' },
  ])('$name quotes an extra argument it does not take', async ({ argv, extra }) => {
    // Prepare
    const lake = join(tmp.dir, 'lake');

    // Act
    const run = await runCli(...argv, '--lake', lake);

    // Assess
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(JSON.stringify(extra));
  });
});

describe('--lake paths', () => {
  it('refuses a --lake that is a file, with one line and exit 2', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tl-lakefile-'));
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    for (const argv of [
      ['query', 'SELECT 1', '--lake', file],
      ['demo', '--events', '10', '--lake', file],
    ]) {
      const run = await runCli(...argv);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('is not a folder');
    }
  });

  it('queries a lake whose path holds glob characters', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const lake = join(mkdtempSync(join(tmpdir(), 'tl-glob-')), 'lake[1]*?');
    expect((await runCli('demo', '--events', '200', '--lake', lake)).code).toBe(0);
    const run = await runCli(
      'query',
      'SELECT count(*) AS n FROM events_dedup',
      '--format',
      'json',
      '--lake',
      lake,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([{ n: 200 }]);
  });
});
