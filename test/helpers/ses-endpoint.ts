import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** One message the endpoint accepted, as SES would have sent it. */
export interface SentEmail {
  messageId: string;
  /** `FromEmailAddress`, when the request had one. */
  from: string | undefined;
  /** `Destination.ToAddresses` ([] when the request had none). */
  to: string[];
  /** `Content.Raw.Data`, decoded from the base64 of the JSON body. */
  raw: Buffer;
  /** `EmailTags` as name → value. */
  tags: Record<string, string>;
  configurationSet: string | undefined;
}

/** An error the endpoint answers with, shaped as SES v2 shapes it (restJson1). */
export interface SesFault {
  /** 500 / 503 (retried by the SDK), 429 (throttling, retried), 400 (not retried unless a throttling code). */
  status: number;
  /** The error code, e.g. `InternalFailure`, `TooManyRequestsException`, `MessageRejected`. */
  code: string;
  message?: string;
}

export interface LocalSes {
  endpoint: string;
  /** Every message accepted, in order. */
  sent: SentEmail[];
  /** SendEmail requests received, failed ones (injected faults, validation errors) included. */
  readonly requests: number;
  /** The next `n` SendEmail requests fail with `fault` (after those queued before). */
  failNext(n: number, fault: SesFault): void;
  /** An SDK client for this endpoint (us-east-1, dummy credentials); the caller destroys it. */
  newClient(options?: { maxAttempts?: number }): SESv2Client;
  close(): Promise<void>;
}

/** SESv2 SendEmail: `POST /v2/email/outbound-emails` with a JSON body (see the client's schemas `SendEmail$`). */
const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
/** SES's rule for message tag names and values. */
const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;

class SesError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A small SES v2-compatible endpoint for tests, over `node:http` on 127.0.0.1: SendEmail with raw content only.
 * It checks what SES checks that matters here (a signed request, raw data present, tag names and values in
 * SES's alphabet), records what it accepts and answers `{ MessageId }`. Faults from `failNext` are answered
 * as SES answers errors — the code in the `x-amzn-ErrorType` header (with SES's `:<namespace>` suffix, which the
 * SDK strips) and `{ message }` in the body — so the SDK classifies and retries them as real ones.
 */
export async function startLocalSes(): Promise<LocalSes> {
  const sent: SentEmail[] = [];
  const faults: SesFault[] = [];
  let requests = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      replyError(res, new SesError(500, 'InternalFailure', (err as Error).message));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== SEND_EMAIL_PATH) {
      replyError(res, new SesError(404, 'NotFoundException', `no route for ${req.method} ${req.url}`));
      return;
    }
    requests++;
    const fault = faults.shift();
    if (fault) {
      replyError(res, new SesError(fault.status, fault.code, fault.message ?? `injected ${fault.code}`));
      return;
    }
    try {
      const email = sendEmail(req, Buffer.concat(chunks).toString('utf8'));
      sent.push(email);
      reply(res, 200, { MessageId: email.messageId });
    } catch (err) {
      if (!(err instanceof SesError)) throw err;
      replyError(res, err);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    sent,
    get requests() {
      return requests;
    },
    failNext(n, fault) {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    newClient: (options = {}) =>
      new SESv2Client({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler(),
        maxAttempts: options.maxAttempts ?? 3,
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Validates a SendEmail request as SES does (for what these tests use) and turns it into a SentEmail. */
function sendEmail(req: IncomingMessage, text: string): SentEmail {
  if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
    throw new SesError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new SesError(400, 'BadRequestException', 'request body is not JSON');
  }
  const content = body.Content as { Raw?: { Data?: unknown } } | undefined;
  const data = content?.Raw?.Data;
  if (typeof data !== 'string' || data === '') {
    throw new SesError(
      400,
      'BadRequestException',
      'Content.Raw.Data is required (this endpoint sends raw only)',
    );
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
    throw new SesError(400, 'BadRequestException', 'Content.Raw.Data is not base64');
  }
  const tags: Record<string, string> = {};
  for (const tag of (body.EmailTags ?? []) as { Name?: unknown; Value?: unknown }[]) {
    const { Name: name, Value: value } = tag;
    if (typeof name !== 'string' || !TAG_TEXT.test(name)) {
      throw new SesError(400, 'BadRequestException', `Invalid tag name <${String(name)}>`);
    }
    if (typeof value !== 'string' || !TAG_TEXT.test(value)) {
      throw new SesError(
        400,
        'BadRequestException',
        `Invalid tag value <${String(value)}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
      );
    }
    tags[name] = value;
  }
  const destination = body.Destination as { ToAddresses?: string[] } | undefined;
  return {
    messageId: `0100${randomBytes(8).toString('hex')}-${randomUUID()}-000000`,
    from: typeof body.FromEmailAddress === 'string' ? body.FromEmailAddress : undefined,
    to: destination?.ToAddresses ?? [],
    raw: Buffer.from(data, 'base64'),
    tags,
    configurationSet: typeof body.ConfigurationSetName === 'string' ? body.ConfigurationSetName : undefined,
  };
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function replyError(res: ServerResponse, err: SesError): void {
  reply(
    res,
    err.status,
    { message: err.message },
    { 'x-amzn-errortype': `${err.code}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
  );
}
