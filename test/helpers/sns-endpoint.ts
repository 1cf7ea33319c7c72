import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** One message the endpoint accepted, as SNS would have fanned it out. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  /** `Subject`, when the request had one. */
  subject: string | undefined;
  message: string;
  /** `MessageAttributes` as name → { DataType, StringValue }. */
  attributes: Record<string, { dataType: string; value: string }>;
}

/** An error the endpoint answers with, shaped as SNS (awsQuery) shapes it. */
export interface SnsFault {
  /** 500 / 503 (retried by the SDK), 429 `Throttled` (retried), 400 / 404 (not retried). */
  status: number;
  /** The error code, e.g. `InternalError`, `Throttled`, `InvalidParameter`, `NotFound`. */
  code: string;
  message?: string;
}

export interface LocalSns {
  endpoint: string;
  /** Every message accepted, in order. */
  published: PublishedMessage[];
  /** Publish requests received, failed ones (injected faults, validation errors) included. */
  readonly requests: number;
  /** A topic the endpoint knows from now on; returns its ARN (`arn:aws:sns:us-east-1:000000000000:<name>`). */
  createTopic(name: string): string;
  /** The next `n` Publish requests fail with `fault` (after those queued before). */
  failNext(n: number, fault: SnsFault): void;
  /** An SDK client for this endpoint (us-east-1, dummy credentials); the caller destroys it. */
  newClient(options?: { maxAttempts?: number }): SNSClient;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** SNS's default `MaximumMessageSize`: the message and its attributes' names, types and values, in bytes. */
const MAX_MESSAGE_BYTES = 262_144;
/**
 * The subject rule this endpoint enforces: printable ASCII, beginning with a letter, digit or punctuation,
 * under 100 characters (SNS's documented rule until recently; the 3.1169 client's docs now say "UTF-8 text with
 * no line breaks or control characters" — the stricter one is what a page must pass to be safe either way).
 */
const SUBJECT = /^[\x21-\x7e][\x20-\x7e]{0,98}$/;
/** SNS's rule for message attribute names. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A small SNS-compatible endpoint for tests, over `node:http` on 127.0.0.1: `Publish` to a topic, in the awsQuery
 * protocol the SDK speaks (a form-encoded POST to `/`, an XML answer). It checks what SNS checks that matters
 * here — a SigV4-signed request for the `sns` service, a topic it knows, a subject SNS takes, message
 * attributes well formed, the size limit — records what it accepts and answers `<PublishResult><MessageId>`.
 * Faults from `failNext` are answered as SNS answers errors (`<ErrorResponse><Error><Type><Code><Message>`), so
 * the SDK classifies and retries them as real ones.
 */
export async function startLocalSns(): Promise<LocalSns> {
  const published: PublishedMessage[] = [];
  const topics = new Set<string>();
  const faults: SnsFault[] = [];
  let requests = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      replyError(res, new SnsError(500, 'InternalError', (err as Error).message));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/') {
      replyError(res, new SnsError(404, 'NotFound', `no route for ${req.method} ${req.url}`));
      return;
    }
    if (params.get('Action') !== 'Publish') {
      replyError(res, new SnsError(400, 'InvalidAction', `Unsupported action ${params.get('Action')}`));
      return;
    }
    requests++;
    const fault = faults.shift();
    if (fault) {
      replyError(res, new SnsError(fault.status, fault.code, fault.message ?? `injected ${fault.code}`));
      return;
    }
    try {
      const message = publish(req, params, topics);
      published.push(message);
      reply(
        res,
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${message.messageId}</MessageId>` +
          `</PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
          '</PublishResponse>',
      );
    } catch (err) {
      if (!(err instanceof SnsError)) throw err;
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
    published,
    get requests() {
      return requests;
    },
    createTopic(name) {
      if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) throw new Error(`invalid SNS topic name ${name}`);
      const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
      topics.add(arn);
      return arn;
    },
    failNext(n, fault) {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    newClient: (options = {}) =>
      new SNSClient({
        endpoint,
        region: REGION,
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

/** Validates a Publish request as SNS does (for what these tests use) and turns it into a PublishedMessage. */
function publish(req: IncomingMessage, params: URLSearchParams, topics: Set<string>): PublishedMessage {
  // SigV4 for the sns service: `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/sns/aws4_request, ...`.
  const authorization = String(req.headers.authorization ?? '');
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new SnsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (!authorization.includes(`/${REGION}/sns/aws4_request`)) {
    throw new SnsError(403, 'SignatureDoesNotMatch', `Credential should be scoped to ${REGION}/sns`);
  }
  if (params.get('Version') !== '2010-03-31') {
    throw new SnsError(400, 'InvalidParameterValue', `Unsupported Version ${params.get('Version')}`);
  }
  const topicArn = params.get('TopicArn');
  if (!topicArn) throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn or TargetArn');
  if (!topics.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');

  const message = params.get('Message');
  if (message === null || message === '')
    throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
  const subject = params.get('Subject') ?? undefined;
  if (subject !== undefined && !SUBJECT.test(subject)) {
    throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Subject');
  }

  // MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue, N from 1.
  const attributes: PublishedMessage['attributes'] = {};
  let bytes = Buffer.byteLength(message, 'utf8');
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const dataType = params.get(`${prefix}.Value.DataType`) ?? '';
    const value = params.get(`${prefix}.Value.StringValue`) ?? '';
    if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name) || name.includes('..')) {
      throw new SnsError(400, 'InvalidParameterValue', `Invalid attribute name: ${name}`);
    }
    if (!/^(String|Number|String\.Array)(\..+)?$/.test(dataType)) {
      throw new SnsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (value === '') {
      throw new SnsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    attributes[name] = { dataType, value };
    bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(value);
  }
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
  }
  return { messageId: randomUUID(), topicArn, subject, message, attributes };
}

function reply(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(xml);
}

/** SNS's error body; `Type` is `Sender` for the caller's fault, `Receiver` for SNS's. */
function replyError(res: ServerResponse, err: SnsError): void {
  reply(
    res,
    err.status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${err.status < 500 ? 'Sender' : 'Receiver'}</Type>` +
      `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
