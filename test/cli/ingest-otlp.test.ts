import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { userHash } from '@tokenledger/client/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { genAiAttributes, makeSpans, otlpRequest, spanEventId } from '../helpers/otel-spans.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { filesUnder, runCli } from './run-cli.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
beforeEach(async () => {
  tmp = await tempDir('tokenledger-otlp-cli-');
  lake = join(tmp.dir, 'lake');
});
afterEach(async () => {
  await tmp.remove();
});

const T0 = Date.parse('2026-11-03T10:00:00.250Z');

/** Two requests as a Collector's file exporter writes them: an LLM call and an HTTP span; a call with no feature. */
function fileRequests() {
  const first = makeSpans([
    { start: T0, durationMs: 812, attributes: genAiAttributes({ 'enduser.id': 'alice@example.com' }) },
    { start: T0 + 5_000, attributes: { 'http.route': '/answer' } },
  ]);
  const second = makeSpans([
    {
      start: T0 + 9_000,
      attributes: genAiAttributes({
        'tokenledger.feature': undefined as never,
        'app.feature': 'Draft-Email',
      }),
    },
  ]);
  return { first, second };
}

function lengthPrefixed(...requests: Buffer[]): Buffer {
  return Buffer.concat(
    requests.flatMap((r) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(r.length);
      return [length, r];
    }),
  );
}

function count(stdout: string, label: string): number {
  const m = new RegExp(`^\\s+${label}\\s+([\\d,]+)`, 'm').exec(stdout);
  if (!m) throw new Error(`no "${label}" line in:\n${stdout}`);
  return Number((m[1] as string).replaceAll(',', ''));
}

async function lakeRows(sql: string): Promise<Record<string, unknown>[]> {
  const engine = await LocalQueryEngine.open(lake);
  try {
    return await engine.run(sql);
  } finally {
    engine.close();
  }
}

describe('ingest otlp FILE', () => {
  it.each([
    ['a file exporter JSON file', 'json'],
    ['a file exporter proto file', 'proto'],
    ['a gzip of a JSON file', 'json.gz'],
  ])(
    'reads %s: LLM calls stored, other spans skipped, a span without a feature quarantined',
    async (_, kind) => {
      const { first, second } = fileRequests();
      const json = `${otlpRequest(first, 'otlp_json')}\n\n${otlpRequest(second, 'otlp_json')}\n`;
      const bytes =
        kind === 'proto'
          ? lengthPrefixed(otlpRequest(first), otlpRequest(second))
          : kind === 'json.gz'
            ? gzipSync(json)
            : Buffer.from(json);
      const file = join(tmp.dir, `traces.${kind}`);
      await writeFile(file, bytes);
      const keyFile = join(tmp.dir, 'key');
      await writeFile(keyFile, 'the-apps-key\n');

      const run = await runCli('ingest', 'otlp', file, '--lake', lake, '--user-hmac-key-file', keyFile);

      expect(run.code, run.stderr).toBe(0);
      expect(count(run.stdout, 'spans')).toBe(3);
      expect(count(run.stdout, 'LLM calls')).toBe(2);
      expect(count(run.stdout, 'skipped')).toBe(1);
      expect(count(run.stdout, 'accepted')).toBe(1);
      expect(count(run.stdout, 'quarantined')).toBe(1);
      expect(run.stdout).toMatch(/feature:missing\s+1/);
      const [row] = await lakeRows('SELECT * FROM events');
      const llm = first[0];
      expect(row?.event_id).toBe(llm ? spanEventId(llm) : undefined);
      expect(row?.feature).toBe('search.summary');
      expect(Number(row?.latency_ms)).toBe(812);
      expect(row?.user_hash).toBe(userHash('the-apps-key', 'alice@example.com'));
      // The raw end-user id is nowhere in the lake.
      for (const path of filesUnder(lake, '')) {
        expect(readFileSync(join(lake, path)).includes('alice@example.com'), path).toBe(false);
      }
    },
  );

  it('takes the attribute keys from flags, and refuses a bad key naming the flag and the value', async () => {
    const { second } = fileRequests();
    const file = join(tmp.dir, 'traces.json');
    await writeFile(file, `${otlpRequest(second, 'otlp_json')}\n`);

    const run = await runCli('ingest', 'otlp', file, '--lake', lake, '--feature-attribute', 'app.feature');
    const bad = await runCli('ingest', 'otlp', file, '--lake', lake, '--cohort-attribute', 'not a key');

    expect(run.code, run.stderr).toBe(0);
    expect(count(run.stdout, 'accepted')).toBe(1);
    expect((await lakeRows('SELECT feature FROM events')).map((r) => r.feature)).toEqual(['draft-email']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cohort-attribute');
    expect(bad.stderr).toContain('"not a key"');
  });

  it("hashes with the lake's own key when given none, made once and kept private", async () => {
    const { first } = fileRequests();
    const file = join(tmp.dir, 'traces.json');
    await writeFile(file, `${otlpRequest(first, 'otlp_json')}\n`);
    const saved = process.env.TOKENLEDGER_USER_HMAC_KEY;
    delete process.env.TOKENLEDGER_USER_HMAC_KEY;
    try {
      const run = await runCli('ingest', 'otlp', file, '--lake', lake);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      if (saved !== undefined) process.env.TOKENLEDGER_USER_HMAC_KEY = saved;
    }

    const keyPath = join(lake, 'keys', 'user-hmac.key');
    const key = readFileSync(keyPath, 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(statSync(keyPath).mode & 0o077).toBe(0);
    const [row] = await lakeRows('SELECT user_hash FROM events');
    expect(row?.user_hash).toBe(userHash(key, 'alice@example.com'));
  });

  it('names a truncated proto file by request and byte, and stores nothing', async () => {
    const { first } = fileRequests();
    const whole = lengthPrefixed(otlpRequest(first), otlpRequest(first));
    const file = join(tmp.dir, 'traces.pb');
    await writeFile(file, whole.subarray(0, whole.length - 10));

    const run = await runCli('ingest', 'otlp', file, '--lake', lake);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/request 2 at byte \d+: says \d+ bytes, but only \d+ follow/);
    expect(filesUnder(lake, 'events/')).toEqual([]);
  });
});
