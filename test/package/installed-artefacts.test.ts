import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint, installInto, packBoth, REPO_ROOT, systemNode, type Tarballs } from '../helpers/packed.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
/** The installed packages run on the machine's Node (20 here), the oldest they support; the repo runs on 24. */
const NODE = systemNode();

// What users install: both packages packed as a release would be, each installed into an empty folder.
let tmp: { dir: string; remove: () => Promise<void> };
let tarballs: Tarballs;
beforeAll(async () => {
  tmp = await tempDir('tokenledger-packed-');
  tarballs = await packBoth(tmp.dir);
}, 180_000);
afterAll(async () => {
  await tmp?.remove();
});

describe('the @tokenledger/client tarball', { timeout: 180_000 }, () => {
  it('installs alone (no dependencies, under 1 MB) and records and flushes an event with a stand-in Kinesis', async () => {
    // Arrange: an app with only the client; Kinesis stood in for by the client's own putRecords seam.
    const app = join(tmp.dir, 'client-app');
    await mkdir(app);
    await installInto(app, tarballs.client);
    await writeFile(
      join(app, 'emit.js'),
      `import { gunzipSync } from 'node:zlib';
import { createEmitter } from '@tokenledger/client';
import { validateEvent } from '@tokenledger/client/contract';
const calls = [];
const ledger = createEmitter({
  streamName: 'llm-events',
  hmacKey: 'k',
  putRecords: async (input) => {
    calls.push(input);
    return { FailedRecordCount: 0, Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-0' })) };
  },
});
ledger.record({ feature: 'draft-email', cohort: 'pro', userId: 'u1', provider: 'openai', model: 'gpt-4o-mini', inputTokens: 12, outputTokens: 3, status: 'ok' });
await ledger.flush();
const lines = calls.flatMap((c) => c.Records.map((r) => gunzipSync(r.Data).toString('utf8').trim().split('\\n'))).flat();
const events = lines.map((l) => JSON.parse(l));
console.log(JSON.stringify({
  stream: calls[0]?.StreamName,
  stats: ledger.stats(),
  events: events.map((e) => ({ feature: e.feature, input_tokens: e.input_tokens, hashed: typeof e.user_hash === 'string' && e.user_hash !== 'u1', valid: validateEvent(e, Date.now()).ok })),
}));
await ledger.shutdown();
`,
    );

    // Act
    const { stdout } = await run(NODE, ['emit.js'], { cwd: app });
    const size = await footprint(app);

    // Assess
    expect(JSON.parse(stdout)).toEqual({
      stream: 'llm-events',
      stats: expect.objectContaining({
        recorded: 1,
        sent: 1,
        dropped: 0,
        invalid: 0,
        queued: 0,
        inFlight: 0,
      }),
      events: [{ feature: 'draft-email', input_tokens: 12, hashed: true, valid: true }],
    });
    expect(size.packages).toBeLessThanOrEqual(3);
    expect(size.bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('type-checks an app under strict settings without the AWS SDK installed (skipLibCheck off)', async () => {
    // Arrange: the same folder; the compiler is the repository's own.
    const app = join(tmp.dir, 'client-app');
    await writeFile(
      join(app, 'app.ts'),
      `import { createEmitter, type EmitterOptions, type RecordInput } from '@tokenledger/client';
import { validateEvent } from '@tokenledger/client/contract';
const options: EmitterOptions = { streamName: 's', putRecords: async (input) => ({ Records: input.Records.map(() => ({})) }) };
const input: RecordInput = { feature: 'f', cohort: 'c', provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1, status: 'ok' };
createEmitter(options).record(input);
const checked: boolean = validateEvent({}, Date.now()).ok;
export { checked };
`,
    );
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

    // Act: execFile rejects (failing the test, with the compiler's messages) on any type error.
    const compile = run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        'false',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(REPO_ROOT, 'node_modules/@types'),
        'app.ts',
      ],
      { cwd: app },
    );

    // Assess
    await expect(compile).resolves.toBeDefined();
  });
});

describe('the tokenledger (CLI) tarball', { timeout: 300_000 }, () => {
  it('installs into an empty folder, answers --help, and runs the demo on a small month', async () => {
    // Arrange
    const app = join(tmp.dir, 'cli-app');
    await mkdir(app);
    await installInto(app, tarballs.cli);
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    // The bin's own script, started with the machine's Node (the bin link's shebang would find npm's Node 24).
    const cli = (args: string[]) =>
      run(NODE, [join(app, 'node_modules/tokenledger/bin/tokenledger.js'), ...args], {
        cwd: app,
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
    const lake = join(app, 'lake');

    // Act
    const help = await cli(['--help']);
    const demo = await cli([
      'demo',
      '--requests',
      '3000',
      '--month',
      '2026-11',
      '--seed',
      '7',
      '--lake',
      lake,
    ]);
    const margin = await cli(['report', 'margin', '--month', '2026-11', '--format', 'json', '--lake', lake]);
    const version = await run(NODE, ['--version']);

    // Assess: the demo found the shipped price book and queries (it priced and reconciled the month).
    expect(version.stdout).toMatch(/^v(2\d|[3-9]\d)\./); // a supported Node ran it
    expect(help.stdout).toContain('usage: tokenledger');
    expect(demo.stdout).toContain('3,000 LLM requests of 2026-11');
    const report = JSON.parse(margin.stdout) as {
      month: string;
      rows: { requests: number }[];
      totals: { billed: number; allocated: number };
    };
    expect(report.month).toBe('2026-11');
    expect(report.rows.reduce((n, r) => n + r.requests, 0)).toBe(3000);
    expect(report.totals.billed).toBeGreaterThan(0);
    expect(report.totals.allocated).toBeGreaterThan(0);
    const installed = JSON.parse(await readFile(join(app, 'node_modules/tokenledger/package.json'), 'utf8'));
    expect(Object.keys(installed.dependencies ?? {})).not.toContain('tsx');
  });
});
