import type { Status } from '../contract/limits.ts';
import { num, type TokenFields } from './fields.ts';

/** What `meterStream` learnt about one streamed request: spread it into `record()`. */
export interface MeterResult extends Partial<TokenFields> {
  /** 'ok' when the stream ended, 'cancelled' when the consumer stopped reading, 'error' when the source threw. */
  status: Status;
  /** Output tokens yielded to the consumer; `undefined` when the stream ended normally (all delivered). */
  deliveredOutputTokens: number | undefined;
  /** The provider's count when its usage arrived, else 0 (the request was not seen to its end). */
  inputTokens: number;
  /** At least the delivered count; the provider's own count when its usage arrived. */
  outputTokens: number;
  /** From `meterStream` (or `startedAt`) to the first chunk; absent when none came. */
  ttftMs: number | undefined;
  /** From `meterStream` (or `startedAt`) to the end of the source. */
  latencyMs: number;
  /** What the source threw, when `status` is 'error'. */
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
  /** `performance.now()` when the request was sent. @default when `meterStream` is called */
  startedAt?: number;
}

/**
 * Wraps a provider stream: yields the same chunks, counts the output tokens delivered to the consumer, reads
 * usage from the chunks, and calls `onDone` once with status, tokens, ttft and latency. If the consumer drops
 * the iterator without finishing or breaking out of its loop, `onDone` is never called.
 */
export function meterStream<C>(source: AsyncIterable<C>, options: MeterOptions<C>): AsyncIterable<C> {
  const { deliveredTokens = () => 1, usage, onDone, drainOnCancel = false } = options;
  const start = options.startedAt ?? performance.now();
  const seen: Partial<TokenFields> = {};
  let delivered = 0;
  let ttftMs: number | undefined;
  let done = false;

  const see = (chunk: C) => {
    ttftMs ??= performance.now() - start;
    try {
      // Only what the chunk states: a chunk without a model must not blank the one the app passed.
      for (const [k, v] of Object.entries(usage?.(chunk) ?? {})) {
        if (v !== undefined && v !== '') (seen as Record<string, unknown>)[k] = v;
      }
    } catch {}
  };
  const finish = (status: Status, deliveredOutputTokens?: number, error?: unknown) => {
    if (done) return;
    done = true;
    try {
      onDone({
        ...seen,
        status,
        deliveredOutputTokens,
        inputTokens: seen.inputTokens ?? 0,
        outputTokens: Math.max(seen.outputTokens ?? 0, delivered),
        ttftMs,
        latencyMs: performance.now() - start,
        ...(status === 'error' ? { error } : {}),
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
          finish('error', delivered, error);
          throw error;
        }
        if (r.done) {
          ended = true;
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
        const cancelled = () => finish('cancelled', delivered);
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
