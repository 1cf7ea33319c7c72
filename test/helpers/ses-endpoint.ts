import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  answer,
  FaultQueue,
  isSigned,
  ServiceError,
  type ServiceFault,
  serveLocal,
} from './local-endpoint.ts';

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

/** An error the endpoint answers with, shaped as SES v2 shapes it (restJson1): e.g. `InternalFailure`,
 * `TooManyRequestsException`, `MessageRejected`. */
export type SesFault = ServiceFault;

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

/**
 * A small SES v2-compatible endpoint for tests, over `node:http` on 127.0.0.1: SendEmail with raw content only.
 * It checks what SES checks that matters here (a signed request, raw data present, tag names and values in
 * SES's alphabet), records what it accepts and answers `{ MessageId }`. Faults from `failNext` are answered
 * as SES answers errors — the code in the `x-amzn-ErrorType` header (with SES's `:<namespace>` suffix, which the
 * SDK strips) and `{ message }` in the body — so the SDK classifies and retries them as real ones.
 */
export async function startLocalSes(): Promise<LocalSes> {
  const sent: SentEmail[] = [];
  const faults = new FaultQueue();
  let requests = 0;

  const server = await serveLocal(
    (req, body, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== SEND_EMAIL_PATH) {
        replyError(res, new ServiceError(404, 'NotFoundException', `no route for ${req.method} ${req.url}`));
        return;
      }
      requests++;
      answer(res, faults, replyError, () => {
        const email = sendEmail(req, body.toString('utf8'));
        sent.push(email);
        reply(res, 200, { MessageId: email.messageId });
      });
    },
    (res, err) => replyError(res, new ServiceError(500, 'InternalFailure', err.message)),
  );
  const { endpoint } = server;
  return {
    endpoint,
    sent,
    get requests() {
      return requests;
    },
    failNext: (n, fault) => faults.failNext(n, fault),
    newClient: (options = {}) =>
      new SESv2Client({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler(),
        maxAttempts: options.maxAttempts ?? 3,
      }),
    close: () => server.close(),
  };
}

/** Validates a SendEmail request as SES does (for what these tests use) and turns it into a SentEmail. */
function sendEmail(req: IncomingMessage, text: string): SentEmail {
  if (!isSigned(req)) {
    throw new ServiceError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ServiceError(400, 'BadRequestException', 'request body is not JSON');
  }
  const content = body.Content as { Raw?: { Data?: unknown } } | undefined;
  const data = content?.Raw?.Data;
  if (typeof data !== 'string' || data === '') {
    throw new ServiceError(
      400,
      'BadRequestException',
      'Content.Raw.Data is required (this endpoint sends raw only)',
    );
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
    throw new ServiceError(400, 'BadRequestException', 'Content.Raw.Data is not base64');
  }
  const tags: Record<string, string> = {};
  for (const tag of (body.EmailTags ?? []) as { Name?: unknown; Value?: unknown }[]) {
    const { Name: name, Value: value } = tag;
    if (typeof name !== 'string' || !TAG_TEXT.test(name)) {
      throw new ServiceError(400, 'BadRequestException', `Invalid tag name <${String(name)}>`);
    }
    if (typeof value !== 'string' || !TAG_TEXT.test(value)) {
      throw new ServiceError(
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

function replyError(res: ServerResponse, err: ServiceError): void {
  reply(
    res,
    err.status,
    { message: err.message },
    { 'x-amzn-errortype': `${err.code}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
  );
}
