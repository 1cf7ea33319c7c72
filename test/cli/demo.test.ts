import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { countOf, runCli, snapshot } from './run-cli.ts';

const FEATURES = [
  'draft-email',
  'summarize-thread',
  'rewrite-tone',
  'support-agent',
  'search-answer',
  'nightly-digest',
  'research-agent',
  'support-triage',
];
const COHORTS = ['free', 'pro', 'enterprise'];

let tmp: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir('tokenledger-cli-demo-');
});
afterEach(async () => {
  await tmp.remove();
});

/** The rows of the demo's feature × cohort table: [feature, cohort] of each line under the header rule. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((text) => /^feature\s+cohort\s+requests/.test(text));
  if (header === -1) throw new Error(`no feature/cohort table in:\n${stdout}`);
  const rows: string[][] = [];
  for (const text of lines.slice(header + 2)) {
    if (text.trim() === '') break;
    rows.push(text.trim().split(/\s+/));
  }
  return rows;
}

function distinctRequests(stdout: string): number {
  const match = /([\d,]+) distinct requests in the lake/.exec(stdout);
  if (!match) throw new Error(`no distinct count in:\n${stdout}`);
  return Number((match[1] as string).replaceAll(',', ''));
}

describe('demo', () => {
  it('runs a month into a new folder and prints every feature × cohort; a second run clears its own lake', async () => {
    // Prepare
    const lake = join(tmp.dir, 'demo-lake');

    // Act
    const first = await runCli('demo', '--events', '3000', '--lake', lake);
    const second = await runCli('demo', '--events', '3000', '--lake', lake);

    // Assess
    expect(first.code).toBe(0);
    const rows = tableRows(first.stdout);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(FEATURES));
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(COHORTS));
    expect(rows).toHaveLength(FEATURES.length * COHORTS.length);
    expect(distinctRequests(first.stdout)).toBe(3000);
    expect(second.code).toBe(0);
    expect(distinctRequests(second.stdout)).toBe(distinctRequests(first.stdout));
    expect(await countOf(lake, 'events_dedup')).toBe(3000);
    // The lake holds only the second run's copies (it was cleared): as many as that run accepted.
    const accepted = Number(/accepted\s+([\d,]+)/.exec(second.stdout)?.[1]?.replaceAll(',', ''));
    expect(accepted).toBeGreaterThanOrEqual(3000);
    expect(await countOf(lake, 'events')).toBe(accepted);
  });

  it('refuses a non-empty folder it did not make with exit 2 and leaves its files untouched', async () => {
    // Prepare
    const folder = join(tmp.dir, 'my-data');
    await mkdir(join(folder, 'nested'), { recursive: true });
    await writeFile(join(folder, 'notes.txt'), 'keep me\n');
    await writeFile(join(folder, 'nested', 'ledger.csv'), 'a,b\n1,2\n');
    const before = snapshot(folder);

    // Act
    const run = await runCli('demo', '--events', '3000', '--lake', folder);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(JSON.stringify(folder));
    expect(snapshot(folder)).toEqual(before);
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('keep me\n');
  });
});
