/**
 * Shared pieces of the bad-input fault suite (issue 6, case 9): a seeded temp lake, the input formats of the
 * CLI with a small valid file of each, byte encodings, and the assertions every row of the matrix makes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import { type CliRun, countOf, filesUnder, PAST_TS, queryJson, runCli, snapshot } from '../cli/run-cli.ts';
import { line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** 10 MiB: a "huge line". */
export const HUGE = 10 * 1024 * 1024;

/** Longest stderr a refusal may print: one line per problem, values quoted short. */
export const STDERR_BOUND = 4096;

// --- files --------------------------------------------------------------------------------------------

export const utf8Bom = (text: string): Buffer =>
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
export const utf16le = (text: string, bom = true): Buffer =>
  Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(text, 'utf16le')]);
export const utf16be = (text: string): Buffer =>
  Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
/** The text with one byte that is not UTF-8 (Latin-1 é) in the middle of line `at` (1-based). */
export function latin1On(text: string, at: number): Buffer {
  const lines = text.split('\n');
  const index = lines.slice(0, at - 1).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + 1;
  const bytes = Buffer.from(text);
  return Buffer.concat([bytes.subarray(0, index), Buffer.from([0xe9]), bytes.subarray(index)]);
}

/** A temp folder with a lake that already holds data of every kind, and the input files of the tests. */
export class FaultLake {
  private inputs = 0;
  private constructor(
    readonly dir: string,
    readonly lake: string,
    private readonly removeDir: () => Promise<void>,
  ) {}

  static async create(prefix: string): Promise<FaultLake> {
    const tmp = await tempDir(`tokenledger-faults-${prefix}-`);
    return new FaultLake(tmp.dir, join(tmp.dir, 'lake'), tmp.remove);
  }

  /** Writes an input file (a fresh name each time) and returns its path. */
  file(ext: string, body: string | Buffer): string {
    this.inputs++;
    const path = join(this.dir, `input-${String(this.inputs).padStart(3, '0')}.${ext}`);
    writeFileSync(path, body);
    return path;
  }

  /** Runs the CLI on this lake. */
  run(...argv: string[]): Promise<CliRun> {
    return runCli(...argv, '--lake', this.lake);
  }

  /** Imports a valid file of every format, so that "left as it was" is checked on a lake that holds data. */
  async seed(): Promise<void> {
    for (const format of FORMATS) {
      if (format.name === 'events --strict') continue;
      const run = await this.run(...format.argv(this.file(format.ext, format.valid(0))));
      if (run.code !== 0) throw new Error(`seeding ${format.name} failed: ${run.stderr}`);
    }
  }

  snapshot(): string[] {
    return snapshot(this.lake);
  }

  remove(): Promise<void> {
    return this.removeDir();
  }
}

// --- the input formats --------------------------------------------------------------------------------

export type FormatName =
  | 'events'
  | 'events --strict'
  | 'openai-costs'
  | 'anthropic-cost-report'
  | 'focus'
  | 'prices'
  | 'revenue'
  | 'prompts';

export interface InputFormat {
  name: FormatName;
  ext: string;
  argv(file: string): string[];
  /** A valid file of `rows` records, its content unique to `seed`. */
  valid(seed: number, rows?: number): string;
  /** How many rows (cost lines, prices, revenue rows, records) of the file `valid(seed)` the lake holds. */
  stored(lake: FaultLake, file: string, seed: number): Promise<number>;
}

export const ev = (overrides: Record<string, unknown> = {}): string =>
  line(wireEvent({ ts: PAST_TS, ...overrides }));

export const OPENAI_DAY = 1_793_491_200; // 2026-11-01T00:00:00Z

export function openAiPage(buckets: { start?: unknown; end?: unknown; results: unknown[] }[]): string {
  return JSON.stringify({
    object: 'page',
    data: buckets.map((b, i) => ({
      object: 'bucket',
      start_time: b.start ?? OPENAI_DAY + i * 86_400,
      end_time: b.end ?? OPENAI_DAY + (i + 1) * 86_400,
      results: b.results,
    })),
    has_more: false,
    next_page: null,
  });
}

export const openAiResult = (overrides: Record<string, unknown> = {}) => ({
  object: 'organization.costs.result',
  amount: { value: 0.5, currency: 'usd' },
  line_item: 'gpt-4o-2024-08-06, input',
  project_id: 'proj_faults',
  ...overrides,
});

export function anthropicReport(buckets: { start?: unknown; end?: unknown; results: unknown[] }[]): string {
  return JSON.stringify({
    data: buckets.map((b, i) => ({
      starting_at: b.start ?? `2026-11-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
      ending_at: b.end ?? `2026-11-${String(i + 2).padStart(2, '0')}T00:00:00Z`,
      results: b.results,
    })),
    has_more: false,
    next_page: null,
  });
}

export const anthropicResult = (overrides: Record<string, unknown> = {}) => ({
  currency: 'USD',
  amount: '125.5',
  workspace_id: 'wrkspc_faults',
  description: 'Claude Sonnet 4 Usage - Input Tokens',
  cost_type: 'tokens',
  model: 'claude-sonnet-4-20250514',
  token_type: 'uncached_input_tokens',
  ...overrides,
});

export const FOCUS_HEADER = [
  'BilledCost',
  'BillingCurrency',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ProviderName',
  'ConsumedQuantity',
  'ConsumedUnit',
  'SkuMeter',
  'x_Model',
];

/** One FOCUS row; a cell with a comma or a quote is quoted. */
export function focusRow(overrides: Partial<Record<string, string>> = {}): string {
  const cells: Record<string, string> = {
    BilledCost: '1.25',
    BillingCurrency: 'USD',
    ChargePeriodStart: '2026-11-01T00:00:00Z',
    ChargePeriodEnd: '2026-11-02T00:00:00Z',
    ProviderName: 'OpenAI',
    ConsumedQuantity: '500000',
    ConsumedUnit: 'Tokens',
    SkuMeter: 'Input tokens',
    x_Model: 'gpt-4o-2024-08-06',
    ...overrides,
  };
  return FOCUS_HEADER.map((c) => csvCell(cells[c] ?? '')).join(',');
}

export const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export const PRICES_HEADER = 'provider,model,usage_type,usd_per_million_tokens,effective_from,effective_to';
export const priceRow = (o: Partial<Record<string, string>> = {}): string =>
  [
    o.provider ?? 'openai',
    o.model ?? 'gpt-faults',
    o.usage_type ?? 'input',
    o.usd_per_million_tokens ?? '2.5',
    o.effective_from ?? '2026-11-01',
    o.effective_to ?? '',
  ].join(',');

export const REVENUE_HEADER = 'month,customer_id,cohort,amount,currency';
export const revenueRow = (o: Partial<Record<string, string>> = {}): string =>
  [
    o.month ?? '2026-11',
    o.customer_id ?? 'cus_faults',
    o.cohort ?? 'pro',
    o.amount ?? '10.00',
    o.currency ?? 'USD',
  ].join(',');

export const deployRecord = (overrides: Record<string, unknown> = {}) => ({
  prompt_id: 'faults-agent',
  version: 'v1',
  author: 'ana@example.com',
  approved_by: 'bo@example.com',
  approved_at: '2026-11-01T10:00:00Z',
  eval: { run_id: 'eval-1', passed: true, score: 0.9, at: '2026-11-01T09:00:00Z' },
  deployed_at: '2026-11-01T12:00:00Z',
  rollout: { cohorts: ['pro'], percent: 10 },
  kill_switch: 'flags/faults',
  ...overrides,
});

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function countWhere(lake: FaultLake, from: string, column: string, file: string): Promise<number> {
  const [row] = await queryJson(
    lake.lake,
    `SELECT count(*) AS n FROM ${from} WHERE ${column} = ${sqlText(file)}`,
  );
  return Number(row?.n);
}

const eventsFormat = (strict: boolean): InputFormat => ({
  name: strict ? 'events --strict' : 'events',
  ext: 'jsonl',
  argv: (file) => ['ingest', 'events', file, ...(strict ? ['--strict'] : [])],
  valid: (_seed, rows = 2) => `${Array.from({ length: rows }, () => ev()).join('\n')}\n`,
  // The events table has no source column: the tests compare counts before and after (eventCounts).
  stored: () => Promise.reject(new Error('use eventCounts() for events')),
});

export const FORMATS: readonly InputFormat[] = [
  eventsFormat(false),
  eventsFormat(true),
  {
    name: 'openai-costs',
    ext: 'json',
    argv: (file) => ['ingest', 'invoice', file, '--format', 'openai-costs'],
    valid: (seed, rows = 2) =>
      openAiPage([
        {
          results: Array.from({ length: rows }, (_, i) => openAiResult({ project_id: `proj_${seed}_${i}` })),
        },
      ]),
    stored: (lake, file) => countWhere(lake, 'costs', 'source_file', file),
  },
  {
    name: 'anthropic-cost-report',
    ext: 'json',
    argv: (file) => ['ingest', 'invoice', file, '--format', 'anthropic-cost-report'],
    valid: (seed, rows = 2) =>
      anthropicReport([
        {
          results: Array.from({ length: rows }, (_, i) =>
            anthropicResult({ workspace_id: `wrkspc_${seed}_${i}` }),
          ),
        },
      ]),
    stored: (lake, file) => countWhere(lake, 'costs', 'source_file', file),
  },
  {
    name: 'focus',
    ext: 'csv',
    argv: (file) => ['ingest', 'invoice', file, '--format', 'focus'],
    valid: (seed, rows = 2) =>
      [
        FOCUS_HEADER.join(','),
        ...Array.from({ length: rows }, (_, i) => focusRow({ ConsumedQuantity: `${seed}${i}` })),
      ]
        .join('\n')
        .concat('\n'),
    stored: (lake, file) => countWhere(lake, 'costs', 'source_file', file),
  },
  {
    name: 'prices',
    ext: 'csv',
    argv: (file) => ['ingest', 'prices', file],
    valid: (seed, rows = 2) =>
      [
        PRICES_HEADER,
        ...Array.from({ length: rows }, (_, i) => priceRow({ model: `gpt-faults-${seed}-${i}` })),
      ]
        .join('\n')
        .concat('\n'),
    stored: (lake, file) => countWhere(lake, 'prices', 'source', file),
  },
  {
    name: 'revenue',
    ext: 'csv',
    argv: (file) => ['ingest', 'revenue', file],
    valid: (seed, rows = 2) =>
      [
        REVENUE_HEADER,
        ...Array.from({ length: rows }, (_, i) => revenueRow({ customer_id: `cus_${seed}_${i}` })),
      ]
        .join('\n')
        .concat('\n'),
    stored: (lake, file) => countWhere(lake, 'revenue', 'source_file', file),
  },
  {
    name: 'prompts',
    ext: 'jsonl',
    argv: (file) => ['prompts', 'register', file],
    valid: (seed, rows = 2) =>
      `${Array.from({ length: rows }, (_, i) => JSON.stringify(deployRecord({ version: `v${seed}-${i}` }))).join('\n')}\n`,
    stored: async (lake, _file, seed) =>
      (await new FsPromptRegistry(lake.lake).list()).filter((r) => r.version.startsWith(`v${seed}-`)).length,
  },
];

let seeds = 0;
/** A number no other valid file of this test module was made from. */
export const nextSeed = (): number => ++seeds;

export const format = (name: FormatName): InputFormat => FORMATS.find((f) => f.name === name) as InputFormat;

// --- what the lake holds ------------------------------------------------------------------------------

/** Events stored and quarantine entries in the lake. */
export async function eventCounts(lake: FaultLake): Promise<{ events: number; quarantined: number }> {
  const quarantined = filesUnder(lake.lake, 'quarantine/').reduce(
    (n, path) =>
      n +
      readFileSync(join(lake.lake, path), 'utf8')
        .split('\n')
        .filter((t) => t !== '').length,
    0,
  );
  const events = filesUnder(lake.lake, 'events/').length === 0 ? 0 : await countOf(lake.lake, 'events');
  return { events, quarantined };
}

// --- assertions ---------------------------------------------------------------------------------------

/** What a refusal must name. */
export interface Names {
  /** `line 3`, `page 1, data[0].results[1]`, … */
  position?: string;
  field?: string;
  /** The bad value as it is quoted in the message. */
  quoted?: string;
  /** Anything else the message says. */
  says?: RegExp;
}

/** Exit 1 with the reason on stderr naming the file and what `names` lists; the lake left as it was. */
export function expectRefused(
  run: CliRun,
  file: string,
  before: string[],
  after: string[],
  names: Names = {},
) {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(file);
  if (names.position !== undefined) expect(run.stderr).toContain(names.position);
  if (names.field !== undefined) expect(run.stderr).toContain(names.field);
  if (names.quoted !== undefined) expect(run.stderr).toContain(names.quoted);
  if (names.says !== undefined) expect(run.stderr).toMatch(names.says);
  expect(after).toEqual(before);
}

/** The one-line `tokenledger: FILE: POSITION: FIELD: ` of a table or invoice refusal. */
export function expectOneLine(run: CliRun, file: string, position: string, field: string): void {
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]?.startsWith(`tokenledger: ${file}: ${position}: ${field}: `), run.stderr).toBe(true);
  expect(run.stdout).toBe('');
}

export function expectBounded(run: CliRun): void {
  expect(run.stderr.length).toBeLessThan(STDERR_BOUND);
}
