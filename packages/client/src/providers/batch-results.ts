import type { Status } from '../contract/limits.ts';
import { type AnthropicMessageLike, fromAnthropicMessage } from './anthropic.ts';
import { type Opt, obj, str, type TokenFields, tokens } from './fields.ts';
import { fromOpenAIChat, fromOpenAIResponses } from './openai.ts';

/** The fields of one batch result: spread them into `record()` with your feature, cohort, … */
export interface BatchResultFields extends TokenFields {
  /** 'ok' for a request that succeeded, 'cancelled' for one the batch's cancellation stopped, else 'error'. */
  status: Status;
  serviceTier: 'batch';
}

/** One result of a batch: the `custom_id` you gave the request, and its fields. */
export interface BatchResult {
  customId: string;
  fields: BatchResultFields;
}

/** A line of an OpenAI Batch API output or error file (`BatchRequestOutput`), parsed or not. */
export interface OpenAIBatchLineLike {
  id?: Opt<string>;
  custom_id?: Opt<string>;
  /** The request's HTTP response; `body` is a Chat Completions, Responses API (or embeddings) result. */
  response?: Opt<{ status_code?: Opt<number>; request_id?: Opt<string>; body?: unknown }>;
  /** Why the request did not run: `batch_expired`, `batch_cancelled`, `request_timeout`, … */
  error?: Opt<{ code?: Opt<string>; message?: Opt<string> }>;
}

/** A line of an Anthropic Message Batches results file (`MessageBatchIndividualResponse`), parsed or not. */
export interface AnthropicBatchResultLike {
  custom_id?: Opt<string>;
  result?: Opt<{ type?: Opt<string>; message?: Opt<AnthropicMessageLike>; error?: unknown }>;
}

/** A JSONL line parsed, or the object as it is; anything unreadable as `{}`. */
const parsed = (line: unknown): Record<string, unknown> => {
  if (typeof line !== 'string') return obj(line) ?? {};
  try {
    return obj(JSON.parse(line)) ?? {};
  } catch {
    return {};
  }
};

/** The result of a batch as our fields; never throws (a line it cannot read gives an 'error' result). */
const batchResult =
  <L>(provider: string, read: (line: Record<string, unknown>) => { status: Status; fields?: TokenFields }) =>
  (line: L, model?: string): BatchResult => {
    let customId = '';
    try {
      const l = parsed(line);
      customId = str(l.custom_id);
      const { status, fields } = read(l);
      const f = fields ?? { provider, model: '', ...tokens(0, 0, 0, 0, 0) };
      return { customId, fields: { ...f, model: f.model || str(model), status, serviceTier: 'batch' } };
    } catch {
      return {
        customId,
        fields: {
          provider,
          model: str(model),
          ...tokens(0, 0, 0, 0, 0),
          status: 'error',
          serviceTier: 'batch',
        },
      };
    }
  };

/**
 * One line of an OpenAI Batch API output file (or error file) as a batch result: the `custom_id` and the token
 * fields of its response body (a Chat Completions or Responses API result), with `serviceTier: 'batch'`.
 * `status`: 'ok' for a 2xx response; 'cancelled' for a request the batch's cancellation stopped
 * (`batch_cancelled`); 'error' for any other error, an expired request (`batch_expired`) or a non-2xx response,
 * whose tokens are 0. Pass the batch's `model` for the results that do not name one (errors). Takes the JSONL
 * line as a string or parsed.
 */
export const fromOpenAIBatchLine = /* @__PURE__ */ batchResult<string | OpenAIBatchLineLike>(
  'openai',
  (l) => {
    const error = obj(l.error);
    const response = obj(l.response);
    const code = response?.status_code;
    const status: Status = error
      ? error.code === 'batch_cancelled'
        ? 'cancelled'
        : 'error'
      : typeof code === 'number' && code >= 200 && code < 300
        ? 'ok'
        : 'error';
    const body = obj(response?.body);
    if (status !== 'ok' || !body) return { status };
    const responsesApi = body.object === 'response' || 'input_tokens' in (obj(body.usage) ?? {});
    return { status, fields: responsesApi ? fromOpenAIResponses(body) : fromOpenAIChat(body) };
  },
);

/**
 * One line of an Anthropic Message Batches results file as a batch result: the `custom_id` and the token fields
 * of its message, with `serviceTier: 'batch'`. `status`: 'ok' for `succeeded`, 'cancelled' for `canceled`,
 * 'error' for `errored` and `expired` (those carry no message: tokens 0; pass the request's `model`). Takes the
 * JSONL line as a string or parsed (as the SDK's `batches.results()` yields it).
 */
export const fromAnthropicBatchResult = /* @__PURE__ */ batchResult<string | AnthropicBatchResultLike>(
  'anthropic',
  (l) => {
    const result = obj(l.result);
    const status: Status =
      result?.type === 'succeeded' ? 'ok' : result?.type === 'canceled' ? 'cancelled' : 'error';
    const message = obj(result?.message);
    return status === 'ok' && message ? { status, fields: fromAnthropicMessage(message) } : { status };
  },
);
