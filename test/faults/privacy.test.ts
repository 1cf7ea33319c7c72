import { createHash, createHmac } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import { fromOpenAIChat, meterStream, openAIChatChunks } from '../../packages/client/src/providers/index.ts';
import {
  type LocalKinesis,
  localKinesisClient,
  startLocalKinesis,
} from '../../src/adapters/local/kinesalite-stream.ts';
import { drainStream } from '../../src/adapters/local/kinesis-poller.ts';
import { decodeRecord } from '../../src/core/framing/record-framing.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { queryJson, runCli } from '../cli/run-cli.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 6, case 10: no raw user id or email ever appears in what the client sends, and user_hash is an HMAC
// under a key the app holds. The real client (tokenledger/client) sends to kinesalite through an SDK client
// that records every HTTP request it sends; the test scans those request bodies and every record read back
// with GetRecords (raw, base64, gunzipped NDJSON). test/client/emitter-kinesalite.test.ts checks the lake side.

const KEY = 'app-secret-hmac-key-1';
const ROTATED_KEY = 'app-secret-hmac-key-2';
const USERS = ['alice@example.com', 'user-123456', 'Bob.Smith+billing@Example.COM', 'zoë@exämple.org'];
/** Content the app handles that must not travel either (the client records counts, never text). */
const SECRET_TEXT = 'the-answer-is-forty-two-for-alice@example.com';

/** user_hash as docs/client.md documents it: HMAC-SHA256(key, id) truncated to 128 bits, 22 base64url characters. */
const documentedHash = (key: string | Uint8Array, id: string) =>
  createHmac('sha256', key).update(id, 'utf8').digest().subarray(0, 16).toString('base64url');

/** The forms a raw id could travel in, besides as it is. */
function encodedForms(id: string): string[] {
  const bytes = Buffer.from(id, 'utf8');
  const forms = new Set<string>([
    id,
    id.toLowerCase(),
    encodeURIComponent(id),
    encodeURIComponent(id).toLowerCase(),
    JSON.stringify(id).slice(1, -1),
    // JSON with non-ASCII escaped as \uXXXX
    [...id]
      .map((c) => (c.charCodeAt(0) > 127 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c))
      .join(''),
    bytes.toString('hex'),
    // an unkeyed hash would be as good as the id: anyone can hash a list of emails
    createHash('sha256').update(id).digest('hex'),
    createHash('sha256').update(id).digest().subarray(0, 16).toString('base64url'),
  ]);
  // base64 / base64url at each of the three alignments the id may have inside a longer blob
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const inner = b64.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    forms.add(inner);
    forms.add(inner.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms].filter((f) => f.length >= 6);
}

/** Every form of every id found in `text` (case-insensitive for the raw forms). */
function leaks(text: string, ids: readonly string[]): string[] {
  const found: string[] = [];
  const lower = text.toLowerCase();
  for (const id of ids) {
    for (const form of encodedForms(id)) {
      if (text.includes(form) || lower.includes(form.toLowerCase())) found.push(`${id} as ${form}`);
    }
  }
  return found;
}

/** What an SDK client sent: each request's body as bytes, and its headers. */
interface Wire {
  bodies: Buffer[];
  headers: string[];
}

/** A Kinesis client for `endpoint` that keeps a copy of every HTTP request it sends. */
function recordingClient(endpoint: string): { client: KinesisClient; wire: Wire } {
  const client = localKinesisClient(endpoint);
  const wire: Wire = { bodies: [], headers: [] };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string>; path?: string };
      const body = request.body;
      // A copy of the bytes through a plain view: the SDK's body is a Uint8Array subclass with string methods.
      wire.bodies.push(
        typeof body === 'string'
          ? Buffer.from(body, 'utf8')
          : body instanceof Uint8Array
            ? Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
            : Buffer.alloc(0),
      );
      wire.headers.push(JSON.stringify({ path: request.path, headers: request.headers }));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordWire', priority: 'low' },
  );
  return { client, wire };
}

/** Every record's data in the stream, from the start of each shard (GetRecords). */
async function streamRecords(kinesis: LocalKinesis): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const shards = (await kinesis.client.send(new ListShardsCommand({ StreamName: kinesis.streamName })))
    .Shards;
  for (const shard of shards ?? []) {
    let iterator = (
      await kinesis.client.send(
        new GetShardIteratorCommand({
          StreamName: kinesis.streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      if (records.length === 0) break;
      for (const r of records) out.push(r.Data as Uint8Array);
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** Each PutRecords entry in the captured request bodies: its partition key and decoded data. */
function putEntries(wire: Wire): { key: string; data: Buffer }[] {
  return wire.bodies.flatMap((body) => {
    const json = JSON.parse(body.toString('utf8')) as { Records?: { Data: string; PartitionKey: string }[] };
    return (json.Records ?? []).map((r) => ({ key: r.PartitionKey, data: Buffer.from(r.Data, 'base64') }));
  });
}

/** An OpenAI-like stream whose text mentions the user. */
async function* chatChunks() {
  yield { model: 'gpt-4o-mini', choices: [{ delta: { content: SECRET_TEXT } }] };
  yield { model: 'gpt-4o-mini', choices: [{ delta: { content: ' more' } }] };
  yield {
    model: 'gpt-4o-mini',
    choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 2 },
  };
}

let kinesis: LocalKinesis;
beforeEach(async () => {
  kinesis = await startLocalKinesis('llm-events', 2);
});
afterEach(async () => {
  await kinesis.stop();
});

describe('fault: privacy — no raw user id leaves the app', () => {
  it('the scanner finds an id planted raw, percent-encoded, JSON-escaped, hex, or base64 at any alignment', () => {
    for (const id of USERS) {
      const bytes = Buffer.from(id, 'utf8');
      const planted = [
        `{"user":"${id}"}`,
        `u=${encodeURIComponent(id)}`,
        JSON.stringify({ user: id }).replace(
          /[\u0080-\uffff]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        ),
        `x${bytes.toString('hex')}y`,
        ...[0, 1, 2].map((n) =>
          Buffer.concat([Buffer.alloc(n, 7), bytes, Buffer.alloc(2, 9)]).toString('base64'),
        ),
        ...[0, 1, 2].map((n) => Buffer.concat([Buffer.alloc(n, 7), bytes]).toString('base64url')),
      ];
      for (const text of planted) expect(leaks(text, [id]), text).not.toEqual([]);
    }
  });

  it('every request body, partition key, record and NDJSON line the client sends is free of raw ids (also encoded); user_hash is the documented HMAC', async () => {
    // Prepare
    const { client, wire } = recordingClient(kinesis.endpoint);
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: client,
      hmacKey: KEY,
      maxRecordEvents: 3,
    });
    const who = (userId: string) => ({
      feature: 'draft-email',
      cohort: 'pro',
      customerId: 'acct_42',
      userId,
    });

    // Act: record() with userId, a provider helper fed a whole response that carries the user, and a metered stream
    for (const userId of USERS) {
      ledger.record({
        ...who(userId),
        provider: 'openai',
        model: 'gpt-4o',
        inputTokens: 10,
        outputTokens: 5,
        status: 'ok',
      });
      const completion = {
        id: 'chatcmpl-1',
        model: 'gpt-4o-mini',
        user: userId, // the request's `user` field, echoed by some proxies
        choices: [{ message: { role: 'assistant', content: SECRET_TEXT } }],
        usage: { prompt_tokens: 20, completion_tokens: 7 },
      };
      ledger.record({ ...who(userId), ...fromOpenAIChat(completion), status: 'ok' });
      const delivered: unknown[] = [];
      for await (const chunk of meterStream(chatChunks(), {
        ...openAIChatChunks,
        onDone: (m) => ledger.record({ ...who(userId), provider: 'openai', model: 'gpt-4o-mini', ...m }),
      })) {
        delivered.push(chunk);
      }
      expect(delivered).toHaveLength(3);
    }
    await ledger.shutdown();
    client.destroy();
    const records = await streamRecords(kinesis);

    // Assess: everything was sent and read back
    expect(ledger.stats()).toMatchObject({ sent: 3 * USERS.length, invalid: 0, dropped: 0 });
    const entries = putEntries(wire);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    expect(records.map((r) => Buffer.from(r).toString('base64')).sort()).toEqual(
      entries.map((e) => e.data.toString('base64')).sort(),
    );

    // Assess: no raw id, in any form, in what went over the wire
    const ids = [...USERS, SECRET_TEXT];
    for (const body of wire.bodies) expect(leaks(body.toString('latin1'), ids)).toEqual([]);
    for (const body of wire.bodies) expect(leaks(body.toString('utf8'), ids)).toEqual([]);
    expect(leaks(wire.headers.join('\n'), ids)).toEqual([]);
    expect(leaks(entries.map((e) => e.key).join('\n'), ids)).toEqual([]);
    const events: Record<string, unknown>[] = [];
    for (const data of records) {
      expect(leaks(Buffer.from(data).toString('latin1'), ids)).toEqual([]);
      const ndjson = gunzipSync(data).toString('utf8');
      expect(leaks(ndjson, ids)).toEqual([]);
      for (const line of decodeRecord(data)) events.push(JSON.parse(line.text));
    }

    // Assess: each event carries the documented HMAC of its user and no other user field
    expect(events).toHaveLength(3 * USERS.length);
    const expected = USERS.flatMap((u) => Array(3).fill(documentedHash(KEY, u)));
    expect(events.map((e) => e.user_hash).sort()).toEqual(expected.sort());
    for (const e of events) {
      expect(e.user_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Object.keys(e).filter((k) => /user|email|mail/i.test(k))).toEqual(['user_hash']);
    }
    expect(new Set(events.map((e) => e.user_hash)).size).toBe(USERS.length);
  });

  it('the hash is keyed: another key gives every user another hash, the key as bytes the same one, no key no user', async () => {
    const setups: { name: string; hmacKey?: string | Uint8Array }[] = [
      { name: 'key', hmacKey: KEY },
      { name: 'rotated', hmacKey: ROTATED_KEY },
      { name: 'bytes', hmacKey: new TextEncoder().encode(KEY) },
      { name: 'none' },
    ];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      for (const { name, hmacKey } of setups) {
        const ledger = createEmitter({
          streamName: kinesis.streamName,
          kinesisClient: kinesis.client,
          ...(hmacKey === undefined ? {} : { hmacKey }),
        });
        for (const userId of USERS) {
          ledger.record({
            feature: 'f',
            cohort: 'c',
            provider: 'openai',
            model: 'm',
            inputTokens: 1,
            outputTokens: 1,
            status: 'ok',
            userId,
            tags: { setup: name },
          });
        }
        await ledger.shutdown();
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    const events = (await streamRecords(kinesis)).flatMap((d) =>
      decodeRecord(d).map((l) => JSON.parse(l.text)),
    );
    const hashes = (setup: string) => events.filter((e) => e.tags.setup === setup).map((e) => e.user_hash);

    expect(hashes('key').sort()).toEqual(USERS.map((u) => documentedHash(KEY, u)).sort());
    expect(hashes('rotated').sort()).toEqual(USERS.map((u) => documentedHash(ROTATED_KEY, u)).sort());
    for (const u of USERS) expect(documentedHash(KEY, u)).not.toBe(documentedHash(ROTATED_KEY, u));
    expect(hashes('bytes').sort()).toEqual(hashes('key').sort());
    expect(hashes('none')).toEqual(USERS.map(() => undefined));
    expect(warnings.filter((w) => w.includes('no hmacKey'))).toHaveLength(1);
  });

  // `hmacKey: process.env.TOKENLEDGER_HMAC_KEY` with the variable set but empty: hashing under '' would let anyone
  // holding the lake recompute HMAC('', email) over a list of emails. An empty key counts as none.
  it('an empty hmacKey (an unset secret) does not send recoverable user hashes', async () => {
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: kinesis.client,
      hmacKey: '',
    });
    ledger.record({
      feature: 'f',
      cohort: 'c',
      provider: 'openai',
      model: 'm',
      inputTokens: 1,
      outputTokens: 1,
      status: 'ok',
      userId: 'alice@example.com',
    });
    await ledger.shutdown();
    const [event] = (await streamRecords(kinesis)).flatMap((d) =>
      decodeRecord(d).map((l) => JSON.parse(l.text)),
    );
    const dictionary = ['bob@example.com', 'alice@example.com', 'carol@example.com'];
    const recovered = dictionary.find((guess) => documentedHash('', guess) === event.user_hash);
    expect(recovered).toBeUndefined();
    expect(event.user_hash).toBeUndefined();
  });
});

describe('fault: privacy — key rotation splits every user in two', () => {
  it('the same users before and after a rotation count twice in active_users (what docs/client.md warns of)', async () => {
    // Prepare: 3 users, one request each on 2026-11-10 under KEY, and on 2026-11-20 under ROTATED_KEY
    const lake = await tempDir('tokenledger-privacy-');
    try {
      const users = USERS.slice(0, 3);
      const send = async (hmacKey: string, day: string) => {
        const ledger = createEmitter({
          streamName: kinesis.streamName,
          kinesisClient: kinesis.client,
          hmacKey,
        });
        for (const userId of users) {
          ledger.record({
            feature: 'draft-email',
            cohort: 'pro',
            customerId: 'acct_1',
            userId,
            provider: 'openai',
            model: 'gpt-4o-mini-2024-07-18',
            inputTokens: 100,
            outputTokens: 10,
            status: 'ok',
            startedAt: new Date(`${day}T12:00:00Z`),
          });
        }
        await ledger.shutdown();
      };
      await send(KEY, '2026-11-10');
      await send(ROTATED_KEY, '2026-11-20');
      await drainStream(
        kinesis.client,
        kinesis.streamName,
        createIngestHandler({ store: new LakeFixture(lake.dir).store }),
      );

      // Act
      const run = await runCli(
        'report',
        'margin',
        '--month',
        '2026-11',
        '--format',
        'json',
        '--lake',
        lake.dir,
      );

      // Assess: 3 people, 6 active users for the month
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        rows: { feature: string; requests: number; active_users: number }[];
      };
      expect(report.rows).toEqual([
        expect.objectContaining({ feature: 'draft-email', requests: 6, active_users: 2 * users.length }),
      ]);
      const [split] = await queryJson(
        lake.dir,
        "SELECT count(DISTINCT user_hash) FILTER (WHERE dt < '2026-11-15') AS before, count(DISTINCT user_hash) FILTER (WHERE dt >= '2026-11-15') AS after, count(DISTINCT user_hash) AS month FROM events_dedup",
      );
      expect(split).toEqual({ before: 3, after: 3, month: 6 });
    } finally {
      await lake.remove();
    }
  });
});
