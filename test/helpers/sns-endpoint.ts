import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  answer,
  FaultQueue,
  isScopedTo,
  isSigned,
  ServiceError,
  type ServiceFault,
  serveLocal,
} from './local-endpoint.ts';

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

/** An error the endpoint answers with, shaped as SNS (awsQuery) shapes it: e.g. `InternalError`, `Throttled`
 * (429, retried), `InvalidParameter`, `NotFound`. */
export type SnsFault = ServiceFault;

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
  const faults = new FaultQueue();
  let requests = 0;

  const server = await serveLocal(
    (req, body, res) => {
      const params = new URLSearchParams(body.toString('utf8'));
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/') {
        replyError(res, new ServiceError(404, 'NotFound', `no route for ${req.method} ${req.url}`));
        return;
      }
      if (params.get('Action') !== 'Publish') {
        replyError(res, new ServiceError(400, 'InvalidAction', `Unsupported action ${params.get('Action')}`));
        return;
      }
      requests++;
      answer(res, faults, replyError, () => {
        const message = publish(req, params, topics);
        published.push(message);
        reply(
          res,
          200,
          `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${message.messageId}</MessageId>` +
            `</PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
            '</PublishResponse>',
        );
      });
    },
    (res, err) => replyError(res, new ServiceError(500, 'InternalError', err.message)),
  );
  const { endpoint } = server;
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
    failNext: (n, fault) => faults.failNext(n, fault),
    newClient: (options = {}) =>
      new SNSClient({
        endpoint,
        region: REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler(),
        maxAttempts: options.maxAttempts ?? 3,
      }),
    close: () => server.close(),
  };
}

/** Validates a Publish request as SNS does (for what these tests use) and turns it into a PublishedMessage. */
function publish(req: IncomingMessage, params: URLSearchParams, topics: Set<string>): PublishedMessage {
  // SigV4 for the sns service: `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/sns/aws4_request, ...`.
  if (!isSigned(req)) {
    throw new ServiceError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (!isScopedTo(req, REGION, 'sns')) {
    throw new ServiceError(403, 'SignatureDoesNotMatch', `Credential should be scoped to ${REGION}/sns`);
  }
  if (params.get('Version') !== '2010-03-31') {
    throw new ServiceError(400, 'InvalidParameterValue', `Unsupported Version ${params.get('Version')}`);
  }
  const topicArn = params.get('TopicArn');
  if (!topicArn) throw new ServiceError(400, 'InvalidParameter', 'Invalid parameter: TopicArn or TargetArn');
  if (!topics.has(topicArn)) throw new ServiceError(404, 'NotFound', 'Topic does not exist');

  const message = params.get('Message');
  if (message === null || message === '')
    throw new ServiceError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
  const subject = params.get('Subject') ?? undefined;
  if (subject !== undefined && !SUBJECT.test(subject)) {
    throw new ServiceError(400, 'InvalidParameter', 'Invalid parameter: Subject');
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
      throw new ServiceError(400, 'InvalidParameterValue', `Invalid attribute name: ${name}`);
    }
    if (!/^(String|Number|String\.Array)(\..+)?$/.test(dataType)) {
      throw new ServiceError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (value === '') {
      throw new ServiceError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    attributes[name] = { dataType, value };
    bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(value);
  }
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new ServiceError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
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
function replyError(res: ServerResponse, err: ServiceError): void {
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
