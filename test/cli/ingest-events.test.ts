import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { countOf, filesUnder, PAST_TS, runCli, snapshot } from './run-cli.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
beforeEach(async () => {
  tmp = await tempDir('tokenledger-cli-');
  lake = join(tmp.dir, 'lake');
});
afterEach(async () => {
  await tmp.remove();
});

const validEvent = (overrides: Record<string, unknown> = {}) => wireEvent({ ts: PAST_TS, ...overrides });

async function writeLines(name: string, lines: readonly string[]): Promise<string> {
  const path = join(tmp.dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** The value printed after a label of the ingest summary (`  accepted     3`). */
function summaryCount(stdout: string, label: string): number {
  const match = new RegExp(`^\\s+${label}\\s+([\\d,]+)`, 'm').exec(stdout);
  if (!match) throw new Error(`no "${label}" line in:\n${stdout}`);
  return Number((match[1] as string).replaceAll(',', ''));
}

/** Every entry of every JSONL file under the lake's quarantine/ folder. */
function quarantineEntries(): Record<string, unknown>[] {
  return filesUnder(lake, 'quarantine/').flatMap((path) =>
    readFileSync(join(lake, path), 'utf8')
      .split('\n')
      .filter((text) => text !== '')
      .map((text) => JSON.parse(text) as Record<string, unknown>),
  );
}

describe('ingest events FILE', () => {
  it('stores valid events, counts a duplicate once, skips blank lines and quarantines bad lines by FILE:LINE', async () => {
    // Prepare
    const first = validEvent();
    const second = validEvent({ feature: 'search-answer' });
    const third = validEvent({ cohort: 'free' });
    const malformed = '{"v":1,"event_id":"trunc';
    const badField = line(validEvent({ feature: 'Bad Feature!' }));
    const file = await writeLines('events.jsonl', [
      line(first), // 1
      line(second), // 2
      '', // 3
      line(first), // 4: the same event_id again
      malformed, // 5
      badField, // 6
      line(third), // 7
    ]);

    // Act
    const run = await runCli('ingest', 'events', file, '--lake', lake);

    // Assess
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'accepted')).toBe(3);
    expect(summaryCount(run.stdout, 'duplicates')).toBe(1);
    expect(summaryCount(run.stdout, 'quarantined')).toBe(2);
    const refusedLines = run.stdout.split('\n').filter((text) => /:\d+: /.test(text) && text.includes(file));
    expect(refusedLines).toHaveLength(2);
    expect(refusedLines[0]).toContain(`${file}:5:`);
    expect(refusedLines[0]).toMatch(/not JSON/);
    expect(refusedLines[1]).toContain(`${file}:6:`);
    expect(refusedLines[1]).toContain('feature');
    expect(await countOf(lake, 'events_dedup')).toBe(3);
    const quarantined = quarantineEntries();
    expect(quarantined.map((q) => q.raw).sort()).toEqual([badField, malformed].sort());
    const reasons = quarantined.flatMap((q) => q.reasons as { code: string; field?: string }[]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'not_json' }),
        expect.objectContaining({ field: 'feature' }),
      ]),
    );
  });

  it('counts each event once in events_dedup when the same file is ingested twice, while events holds the copies', async () => {
    // Prepare
    const file = await writeLines('events.jsonl', [
      line(validEvent()),
      line(validEvent({ feature: 'rewrite-tone' })),
      line(validEvent({ cohort: 'enterprise' })),
    ]);
    const firstRun = await runCli('ingest', 'events', file, '--lake', lake);
    expect(firstRun.code).toBe(0);

    // Act
    const secondRun = await runCli('ingest', 'events', file, '--lake', lake);

    // Assess
    expect(secondRun.code).toBe(0);
    expect(await countOf(lake, 'events_dedup')).toBe(3);
    expect(await countOf(lake, 'events')).toBe(6);
  });
});

describe('ingest events FILE --strict', () => {
  it('refuses a file with a bad event whole: exit 1, names FILE:LINE and the field, writes nothing', async () => {
    // Prepare
    const file = await writeLines('events.jsonl', [
      line(validEvent()),
      line(validEvent({ input_tokens: -5 })),
      line(validEvent()),
    ]);
    await mkdir(lake);

    // Act
    const run = await runCli('ingest', 'events', file, '--strict', '--lake', lake);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:2:`);
    expect(run.stderr).toContain('input_tokens');
    expect(run.stdout).toBe('');
    expect(snapshot(lake)).toEqual([]);
    expect(existsSync(join(lake, 'events'))).toBe(false);
  });

  it('leaves a lake that already holds data exactly as it was when it refuses a file', async () => {
    // Prepare
    const good = await writeLines('good.jsonl', [line(validEvent()), line(validEvent())]);
    expect((await runCli('ingest', 'events', good, '--lake', lake)).code).toBe(0);
    const before = snapshot(lake);
    const bad = await writeLines('bad.jsonl', [line(validEvent()), '{not json']);

    // Act
    const run = await runCli('ingest', 'events', bad, '--strict', '--lake', lake);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${bad}:2:`);
    expect(snapshot(lake)).toEqual(before);
    expect(await countOf(lake, 'events_dedup')).toBe(2);
  });

  it('stores the events of a file in which every event is valid', async () => {
    // Prepare
    const file = await writeLines('events.jsonl', [
      line(validEvent()),
      line(validEvent({ status: 'cancelled', delivered_output_tokens: 10 })),
    ]);

    // Act
    const run = await runCli('ingest', 'events', file, '--strict', '--lake', lake);

    // Assess
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'accepted')).toBe(2);
    expect(summaryCount(run.stdout, 'quarantined')).toBe(0);
    expect(filesUnder(lake, 'events/').length).toBeGreaterThan(0);
    expect(await countOf(lake, 'events_dedup')).toBe(2);
  });
});

describe('ingest events: files that cannot be read as UTF-8 JSONL', () => {
  it.each([
    {
      name: 'a missing file',
      file: 'missing.jsonl',
      bytes: null,
      says: /cannot be read \(ENOENT\)/,
    },
    { name: 'an empty file', file: 'empty.jsonl', bytes: Buffer.alloc(0), says: /no events/ },
    {
      name: 'a UTF-16 file (BOM ff fe)',
      file: 'utf16.jsonl',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(line(wireEvent()), 'utf16le')]),
      says: /UTF-16/,
    },
    {
      name: 'a file with invalid UTF-8 on line 2',
      file: 'latin1.jsonl',
      bytes: Buffer.concat([
        Buffer.from(`${line(wireEvent())}\n`),
        Buffer.from('{"feature":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
      ]),
      says: /line 2: not valid UTF-8/,
    },
  ])('exits 1 for $name, naming the file, and writes nothing', async ({ file, bytes, says }) => {
    // Prepare
    const path = join(tmp.dir, file);
    if (bytes) await writeFile(path, bytes);

    // Act
    const run = await runCli('ingest', 'events', path, '--lake', lake);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(path);
    expect(run.stderr).toMatch(says);
    expect(existsSync(lake)).toBe(false);
  });

  it('accepts a UTF-8 file that starts with a byte order mark', async () => {
    // Prepare
    const path = join(tmp.dir, 'bom.jsonl');
    const events = [validEvent(), validEvent()];
    await writeFile(
      path,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${events.map(line).join('\r\n')}\r\n`)]),
    );

    // Act
    const run = await runCli('ingest', 'events', path, '--lake', lake);

    // Assess
    expect(run.code).toBe(0);
    expect(summaryCount(run.stdout, 'accepted')).toBe(2);
    expect(summaryCount(run.stdout, 'quarantined')).toBe(0);
    expect(await countOf(lake, 'events_dedup')).toBe(2);
  });
});
