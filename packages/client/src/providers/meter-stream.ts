import type { Status } from '../contract/limits.ts';
import { num, type TokenFields } from './fields.ts';

/** What `meterStream` learnt about one streamed request: spread it into `record()`. */
export interface MeterResult extends Partial<TokenFields> {
  /**
   * 'ok' when the provider finished the request; 'cancelled' when the stream ended before that — the consumer
   * stopped reading, an abort (an AbortSignal, the SDK's `controller.abort()`, an abort error), or a source
   * that ended quietly without the provider's final chunk; 'error' when the source threw anything else.
   */
  status: Status;
  /** Output tokens yielded to the consumer; `undefined` when the stream ended normally (all delivered). */
  deliveredOutputTokens: number | undefined;
  /**
   * The provider's count when its usage stated it; else the `inputTokens` option (then `inputTokensEstimated`
   * is true); else 0 — OpenAI states the input only in its last chunk, so a cancelled OpenAI stream has none.
   */
  inputTokens: number;
  /** True when `inputTokens` is the app's count (the `inputTokens` option), not the provider's. */
  inputTokensEstimated?: boolean;
  /** At least the delivered count; the provider's own count when its usage arrived. */
  outputTokens: number;
  /** From the start (`startedAt`, or when `meterStream` was called) to the first chunk; absent when none came. */
  ttftMs: number | undefined;
  /** From the start to the end of the source. */
  latencyMs: number;
  /** When the request started, in epoch ms (`startedAt`, or when `meterStream` was called): the event's time. */
  startedAt: number;
  /** What the source threw, when `status` is 'error' or it was an abort. */
  error?: unknown;
}

export interface MeterOptions<C> {
  /**
   * Output tokens a chunk carries to the consumer. The presets count 1 per non-empty text delta, which
   * undercounts deltas of several tokens: pass a tokenizer count for precision. @default 1 per chunk
   */
  deliveredTokens?: (chunk: C) => number;
  /** Usage a chunk reports, merged field by field (the last value wins). @default none */
  usage?: (chunk: C) => Partial<TokenFields> | null | undefined;
  /**
   * Whether a chunk shows that the provider finished the request (its stop reason or its final usage). When
   * given (every preset gives it), a source that ends without such a chunk is recorded as 'cancelled', not
   * 'ok': openai-node's stream, for one, ends quietly after `stream.controller.abort()`. @default none: a
   * source that ends is 'ok'
   */
  isFinal?: (chunk: C) => boolean;
  /**
   * The request's abort signal: a stream that throws once it is aborted is 'cancelled', and so is one that ends
   * once it is aborted, unless `isFinal` saw the provider's last chunk. When the source has a `controller` (the
   * OpenAI and Anthropic SDK streams do), its signal is read by default.
   */
  signal?: AbortSignal;
  /**
   * The request's input tokens as your app counts them — a tokenizer count, or `estimateTokens(messages)` —
   * or a function giving them, called only when needed. Used only when the provider's usage did not state the
   * input (OpenAI states it only in the last chunk, so a cancelled OpenAI stream has none); the result then
   * has `inputTokensEstimated: true`, and the event is tagged `input_tokens: 'estimated'`. @default none (0)
   */
  inputTokens?: number | (() => number);
  /** Called exactly once, when the source has ended or was closed; what it throws is swallowed. */
  onDone: (result: MeterResult) => void;
  /**
   * What happens when the consumer stops reading. `false` (the default): the source is closed at once, as it
   * would be without the meter (provider SDKs abort the HTTP request when their stream is closed, which is
   * what stops the generation), and the usage seen so far is reported; the output is at least what was
   * delivered. `true`: the meter keeps reading the rest of the source without yielding it, to learn the final
   * billed usage — but that keeps the request open, so the provider keeps generating and bills it. Use it only
   * where the app keeps upstream streams running after a stop anyway (then reading on costs nothing more).
   * @default false
   */
  drainOnCancel?: boolean;
  /**
   * When the request was sent: epoch ms (`Date.now()`) or a `Date`, as `record()` takes it. (A small number
   * is read as a `performance.now()` value, as earlier versions took it.) @default when `meterStream` is called
   */
  startedAt?: number | Date;
}

/** An epoch-ms value is above this; a `performance.now()` value (ms since the process started) is below. */
const EPOCH_MIN = 1e11;

/**
 * A rough count of the tokens in a request's text, for when the provider does not report it: about 4
 * characters per token (English prose; code and other languages differ). Takes a string, or messages (any
 * value: the strings in it are counted, keys are not). An estimate: never throws, 0 for nothing readable.
 */
export function estimateTokens(input: unknown): number {
  let chars = 0;
  const visited = new Set<object>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') chars += v.length;
    else if (v !== null && typeof v === 'object' && depth < 32 && !visited.has(v)) {
      visited.add(v);
      for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
    }
  };
  try {
    walk(input, 0);
  } catch {}
  return Math.ceil(chars / 4);
}

/** Whether an error is an abort (the app's or the SDK's), not a failure: `AbortError`, openai-node's `APIUserAbortError`. */
const isAbort = (error: unknown): boolean => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'APIUserAbortError';
};

/**
 * Wraps a provider stream: yields the same chunks, counts the output tokens delivered to the consumer, reads
 * usage from the chunks, and calls `onDone` once with status, tokens, ttft and latency. If the consumer drops
 * the iterator without finishing or breaking out of its loop, `onDone` is never called.
 */
export function meterStream<C>(source: AsyncIterable<C>, options: MeterOptions<C>): AsyncIterable<C> {
  const { deliveredTokens = () => 1, usage, isFinal, onDone, drainOnCancel = false } = options;
  // Latency is measured on the monotonic clock; `startedAt` (epoch ms) is placed on it once.
  const now = performance.now();
  const epochNow = Date.now();
  const given = options.startedAt instanceof Date ? options.startedAt.getTime() : options.startedAt;
  let start = now;
  let startedAt = epochNow;
  if (typeof given === 'number' && Number.isFinite(given)) {
    if (given >= EPOCH_MIN) {
      start = now - (epochNow - given);
      startedAt = given;
    } else {
      start = given;
      startedAt = epochNow - (now - given);
    }
  }
  let signal = options.signal;
  try {
    signal ??= (source as { controller?: { signal?: AbortSignal } }).controller?.signal;
  } catch {}
  const aborted = () => {
    try {
      return signal?.aborted === true;
    } catch {
      return false;
    }
  };
  const seen: Partial<TokenFields> = {};
  let delivered = 0;
  let ttftMs: number | undefined;
  let finished = false;
  let done = false;

  const see = (chunk: C) => {
    ttftMs ??= Math.max(0, performance.now() - start);
    try {
      // Only what the chunk states: a chunk without a model must not blank the one the app passed.
      for (const [k, v] of Object.entries(usage?.(chunk) ?? {})) {
        if (v !== undefined && v !== '') (seen as Record<string, unknown>)[k] = v;
      }
    } catch {}
    try {
      if (!finished && isFinal?.(chunk)) finished = true;
    } catch {}
  };
  const finish = (status: Status, deliveredOutputTokens?: number, error?: unknown) => {
    if (done) return;
    done = true;
    let inputTokens = seen.inputTokens;
    let estimated = false;
    if (inputTokens === undefined && options.inputTokens !== undefined) {
      try {
        const n = typeof options.inputTokens === 'function' ? options.inputTokens() : options.inputTokens;
        if (typeof n === 'number' && Number.isFinite(n) && n >= 0) {
          inputTokens = Math.round(n);
          estimated = true;
        }
      } catch {}
    }
    try {
      onDone({
        ...seen,
        status,
        deliveredOutputTokens,
        inputTokens: inputTokens ?? 0,
        ...(estimated ? { inputTokensEstimated: true } : {}),
        outputTokens: Math.max(seen.outputTokens ?? 0, delivered),
        ttftMs,
        latencyMs: Math.max(0, performance.now() - start),
        startedAt,
        ...(error !== undefined ? { error } : {}),
      });
    } catch {}
  };

  return (async function* () {
    const it = source[Symbol.asyncIterator]();
    let ended = false;
    try {
      for (;;) {
        let r: IteratorResult<C>;
        try {
          r = await it.next();
        } catch (error) {
          ended = true;
          // An abort is a stop, not a failure of the request.
          finish(isAbort(error) || aborted() ? 'cancelled' : 'error', delivered, error);
          throw error;
        }
        if (r.done) {
          ended = true;
          // Ended without the provider's last chunk (an SDK that returns quietly when aborted): not 'ok'. Where
          // the preset knows the last chunk, it decides: an abort after it came stopped nothing.
          if (isFinal ? !finished : aborted()) return finish('cancelled', delivered);
          return finish('ok');
        }
        see(r.value);
        try {
          delivered += num(deliveredTokens(r.value));
        } catch {}
        yield r.value;
      }
    } finally {
      // Reached with `ended` false only when the consumer stopped at a `yield` (`return()` of the iterator).
      if (!ended) {
        // Stopped after the provider's last chunk: the request had finished, nothing was cut short. (Decided now:
        // draining the rest below may still see the last chunk of a stream that was stopped before it.)
        const finishedAtStop = finished;
        const cancelled = () => (finishedAtStop ? finish('ok') : finish('cancelled', delivered));
        if (drainOnCancel) {
          void (async () => {
            try {
              for (let r = await it.next(); !r.done; r = await it.next()) see(r.value);
            } catch {}
            cancelled();
          })();
        } else {
          cancelled();
          await it.return?.();
        }
      }
    }
  })();
}
