import type { EmitterOptions } from './emitter-options.ts';

const DEFAULTS = {
  maxBatchEvents: 500,
  flushIntervalMs: 1000,
  maxQueueEvents: 10_000,
  maxQueueBytes: 8 * 1024 * 1024,
  maxRecordEvents: 500,
  maxRetries: 5,
  retryBaseMs: 100,
  retryMaxMs: 5000,
  requestTimeoutMs: 5000,
  shutdownTimeoutMs: 5000,
} as const;

type NumericOption = keyof typeof DEFAULTS;

/** Limits of each numeric option: [min, max]. A value outside, or not a whole number, falls back to the default. */
const RANGES: Record<NumericOption, readonly [number, number]> = {
  maxBatchEvents: [1, 100_000],
  flushIntervalMs: [1, 3_600_000],
  maxQueueEvents: [1, 100_000_000],
  maxQueueBytes: [1024, 2 ** 40],
  maxRecordEvents: [1, 100_000],
  maxRetries: [0, 100],
  retryBaseMs: [0, 600_000],
  retryMaxMs: [0, 3_600_000],
  requestTimeoutMs: [1, 600_000],
  shutdownTimeoutMs: [0, 3_600_000],
};

/** The app's options with every numeric one set. */
export type ResolvedOptions = EmitterOptions & Record<NumericOption, number>;

/** Options with defaults; a value that is missing, `undefined` or out of range falls back (with a warning). */
export function resolveOptions(options: EmitterOptions): ResolvedOptions {
  const o: ResolvedOptions = { ...options, ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as NumericOption[]) {
    const value = options[name];
    if (value === undefined) continue;
    const [min, max] = RANGES[name];
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      o[name] = value;
    } else {
      process.emitWarning(
        `tokenledger: option ${name} = ${String(value)} is not a whole number from ${min} to ${max}; using ${DEFAULTS[name]}`,
        'TokenledgerWarning',
      );
    }
  }
  return o;
}
