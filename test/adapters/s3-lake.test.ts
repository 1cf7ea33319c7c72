import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { kinesisEvent, line, wireEvent } from '../helpers/factories.ts';
import { startS3 } from '../helpers/s3rver.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const BUCKET = 'tokenledger-lake';
let s3: Awaited<ReturnType<typeof startS3>>;
beforeAll(async () => {
  s3 = await startS3(BUCKET);
});
afterAll(async () => {
  await s3.stop();
});

describe('ingest handler over the S3 API (s3rver)', () => {
  it('writes Parquet and quarantine objects that read back exactly, and skips a redelivered batch', async () => {
    // Prepare
    const store = new S3LakeStore(s3.s3, BUCKET);
    const handler = createIngestHandler({ store });
    const events = Array.from({ length: 300 }, (_, i) =>
      wireEvent({ input_tokens: 1000 + i, tags: i % 2 ? { team: 'growth' } : undefined }),
    );
    const event = kinesisEvent([
      events.slice(0, 150).map(line),
      [...events.slice(150).map(line), 'not json'],
    ]);

    // Act
    const first = await handler(event);
    const again = await handler(event);

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    const keys = await store.list('');
    expect(keys.filter((k) => k.startsWith('events/'))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith('quarantine/'))).toHaveLength(1);

    // The object in S3 is a whole Parquet file: copy it to a folder lake and query it.
    const local = await tempDir();
    try {
      const key = keys.find((k) => k.startsWith('events/')) as string;
      const path = join(local.dir, ...key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await store.get(key));
      const engine = await LocalQueryEngine.open(local.dir);
      const [row] = await engine.run(
        "SELECT count(*)::INT AS n, sum(input_tokens)::BIGINT AS input, count_if(json_extract_string(tags, '$.team') = 'growth')::INT AS tagged FROM events",
      );
      engine.close();
      expect(row).toEqual({
        n: 300,
        input: events.reduce((s, e) => s + (e.input_tokens as number), 0),
        tagged: 150,
      });
    } finally {
      await local.remove();
    }
  });

  it('reports "exists" instead of overwriting an object already in the bucket', async () => {
    const store = new S3LakeStore(s3.s3, BUCKET);
    expect(await store.putNew('events/dt=2026-01-01/x.parquet', Buffer.from('one'), 'text/plain')).toBe(
      'written',
    );
    expect(await store.putNew('events/dt=2026-01-01/x.parquet', Buffer.from('two'), 'text/plain')).toBe(
      'exists',
    );
    expect(Buffer.from(await store.get('events/dt=2026-01-01/x.parquet')).toString()).toBe('one');
  });
});

describe('S3LakeStore when another writer wins the race', () => {
  it('answers "exists" when S3 refuses the conditional put (412), and fails loudly on other errors', async () => {
    // Fault injection: s3rver ignores If-None-Match, so it cannot answer 412. A middleware on the real SDK
    // client answers for it, after the listing found nothing (the object appeared in between).
    const { S3ServiceException } = await import('@aws-sdk/client-s3');
    const racing = s3.newClient();
    let status = 412;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') {
          expect((args.input as { IfNoneMatch?: string }).IfNoneMatch).toBe('*');
          throw new S3ServiceException({
            name: status === 412 ? 'PreconditionFailed' : 'InternalError',
            $fault: status === 412 ? 'client' : 'server',
            $metadata: { httpStatusCode: status },
            message: 'injected',
          });
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new S3LakeStore(racing, BUCKET);

    try {
      expect(await store.putNew('events/dt=2026-01-02/raced.parquet', Buffer.from('x'), 'text/plain')).toBe(
        'exists',
      );
      status = 500;
      await expect(
        store.putNew('events/dt=2026-01-02/raced.parquet', Buffer.from('x'), 'text/plain'),
      ).rejects.toThrow('injected');
    } finally {
      racing.destroy();
    }
  });
  it('answers "exists" on a 409 conflict when the other writer stored the object, and fails when it did not', async () => {
    // Fault injection: s3rver never answers 409 ConditionalRequestConflict (a concurrent conditional write still
    // in flight). A middleware answers it; for the "won" key the other writer's object lands first.
    const { S3ServiceException } = await import('@aws-sdk/client-s3');
    const racing = s3.newClient();
    const other = new S3LakeStore(s3.s3, BUCKET);
    const won = 'events/dt=2026-01-03/conflict.parquet';
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') {
          if ((args.input as { Key?: string }).Key === won)
            await other.put(won, Buffer.from('theirs'), 'text/plain');
          throw new S3ServiceException({
            name: 'ConditionalRequestConflict',
            $fault: 'client',
            $metadata: { httpStatusCode: 409 },
            message: 'conflict injected',
          });
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new S3LakeStore(racing, BUCKET);
    try {
      expect(await store.putNew(won, Buffer.from('mine'), 'text/plain')).toBe('exists');
      expect(Buffer.from(await other.get(won)).toString()).toBe('theirs');
      await expect(
        store.putNew('events/dt=2026-01-03/lost.parquet', Buffer.from('x'), 'text/plain'),
      ).rejects.toThrow('conflict injected');
    } finally {
      racing.destroy();
    }
  });
});
