import { createServer, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { localKinesisClient } from '../../src/adapters/local/kinesalite-stream.ts';

/** What the proxy does with one `PutRecords` call. */
export type PutRecordsFault =
  /** Forwarded, and its answer returned as it is. */
  | { kind: 'pass' }
  /**
   * The entries `refuse` picks are not forwarded and are answered `ProvisionedThroughputExceededException`, as
   * Kinesis answers entries over a shard's limits; the others are forwarded and their real results returned.
   */
  | { kind: 'refuse'; refuse: (index: number) => boolean }
  /**
   * Forwarded, and the stream stores the records, but the answer never comes back: the caller's own timeout
   * ends the call (a network partition after the stream took the batch).
   */
  | { kind: 'lose-answer' };

export interface KinesisFaultProxy {
  endpoint: string;
  /** A real SDK client (HTTP/1.1, as for kinesalite) that talks to the stream through the proxy. */
  client: KinesisClient;
  /** Every PutRecords call that went through, in order: its number of entries and the fault applied. */
  calls: { entries: number; fault: PutRecordsFault['kind'] }[];
  /** Resolves when every call forwarded so far has been answered by the stream (a lost answer included). */
  settled: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * An HTTP proxy in front of a local Kinesis API (kinesalite) that injects faults into `PutRecords` calls; every
 * other call passes untouched. A fake only for faults the emulator cannot produce: kinesalite never refuses some
 * entries of a call, and never loses an answer after storing the records. The client on the other side is the
 * real SDK client, so the partial-failure answer and the timeout go through the SDK's own parsing and abort.
 */
export async function startKinesisFaultProxy(
  target: string,
  faultOf: (call: number) => PutRecordsFault,
): Promise<KinesisFaultProxy> {
  const upstream = new URL(target);
  const calls: KinesisFaultProxy['calls'] = [];
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const handling = (async () => {
      const body = await readAll(req);
      const operation = String(req.headers['x-amz-target'] ?? '');
      if (!operation.endsWith('.PutRecords')) {
        const answer = await forward(upstream, req, body);
        res.writeHead(answer.status, answerHeaders(answer.headers)).end(answer.body);
        return;
      }
      const input = JSON.parse(body.toString('utf8')) as { StreamName: string; Records: unknown[] };
      const fault = faultOf(calls.length + 1);
      calls.push({ entries: input.Records.length, fault: fault.kind });
      if (fault.kind === 'pass') {
        const answer = await forward(upstream, req, body);
        res.writeHead(answer.status, answerHeaders(answer.headers)).end(answer.body);
        return;
      }
      if (fault.kind === 'lose-answer') {
        await forward(upstream, req, body);
        return; // never answered; the socket closes when the client gives up, or at stop()
      }
      const kept = input.Records.filter((_, i) => !fault.refuse(i));
      let results: unknown[] = [];
      let failed = 0;
      if (kept.length > 0) {
        const answer = await forward(
          upstream,
          req,
          Buffer.from(JSON.stringify({ ...input, Records: kept }), 'utf8'),
        );
        if (answer.status !== 200) {
          res.writeHead(answer.status, answerHeaders(answer.headers)).end(answer.body);
          return;
        }
        const out = JSON.parse(answer.body.toString('utf8')) as {
          FailedRecordCount?: number;
          Records: unknown[];
        };
        results = out.Records;
        failed = out.FailedRecordCount ?? 0;
      }
      let next = 0;
      const merged = input.Records.map((_, i) => {
        if (!fault.refuse(i)) return results[next++];
        failed++;
        return {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${input.StreamName} under account 000000000000.`,
        };
      });
      const answer = Buffer.from(JSON.stringify({ FailedRecordCount: failed, Records: merged }), 'utf8');
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': answer.length })
        .end(answer);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localKinesisClient(endpoint);
  return {
    endpoint,
    client,
    calls,
    settled: async () => {
      await Promise.all([...inFlight]);
    },
    stop: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, 'content-length': body.length },
      },
      (answer) => {
        readAll(answer).then(
          (data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }),
          reject,
        );
      },
    );
    out.once('error', reject);
    out.end(body);
  });
}

function answerHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ['connection', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
