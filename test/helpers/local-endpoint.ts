import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the local AWS endpoints of test/helpers share: a server on 127.0.0.1, faults to inject, SigV4 checks. */

export interface LocalServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1, on a port the system picks; each request's body is read whole first. A handler
 * that throws (a bug in the endpoint, not a fault it means to answer) is answered by `internalError`, as the
 * service answers its own failures, so the SDK sees a 500 rather than a hung socket.
 */
export async function serveLocal(
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void> | void,
  internalError: (res: ServerResponse, err: Error) => void,
): Promise<LocalServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await handle(req, Buffer.concat(chunks), res);
    })().catch((err: unknown) => internalError(res, err as Error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An error a service answers with: its HTTP status and error code. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A fault to inject: 500 / 503 and 429 are retried by the SDK, other 4xx are not (unless a throttling code). */
export interface ServiceFault {
  status: number;
  /** The service's error code, e.g. `InternalFailure`, `Throttled`, `MessageRejected`. */
  code: string;
  message?: string;
}

/** The faults the next requests are answered with, in order. */
export class FaultQueue {
  private readonly queued: ServiceFault[] = [];

  /** The next `n` requests fail with `fault` (after those queued before). */
  failNext(n: number, fault: ServiceFault): void {
    for (let i = 0; i < n; i++) this.queued.push(fault);
  }

  /** The next request's fault, as the error to answer, if one is queued. */
  next(): ServiceError | undefined {
    const fault = this.queued.shift();
    return fault && new ServiceError(fault.status, fault.code, fault.message ?? `injected ${fault.code}`);
  }
}

/**
 * Answers a request: with the next queued fault if there is one, else by `act`; a ServiceError `act` throws (a check
 * the service makes failing) is answered by `replyError`, as the service answers it.
 */
export function answer(
  res: ServerResponse,
  faults: FaultQueue,
  replyError: (res: ServerResponse, err: ServiceError) => void,
  act: () => void,
): void {
  const fault = faults.next();
  if (fault) {
    replyError(res, fault);
    return;
  }
  try {
    act();
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    replyError(res, err);
  }
}

/** Whether the request carries a SigV4 signature, as the SDK signs (`Authorization: AWS4-HMAC-SHA256 …`). */
export function isSigned(req: IncomingMessage): boolean {
  return String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ');
}

/** Whether the signature's credential scope is `<region>/<service>` (`Credential=<key>/<date>/<region>/<service>/…`). */
export function isScopedTo(req: IncomingMessage, region: string, service: string): boolean {
  return String(req.headers.authorization ?? '').includes(`/${region}/${service}/aws4_request`);
}
