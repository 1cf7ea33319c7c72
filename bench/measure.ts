/** Small timing helpers for the benchmarks: warm up, then the median of several runs. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/**
 * CPU time of the calling thread, µs (`process.threadCpuUsage`, Node ≥ 23.9): unlike wall time, not
 * lengthened when other processes take the machine's cores, nor by V8's background threads. Null where absent.
 */
const threadCpu = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
function threadCpuUs(): number | null {
  if (!threadCpu) return null;
  const usage = threadCpu.call(process);
  return usage.user + usage.system;
}

/** The medians of several timed runs: wall time and the main thread's CPU time (null where unknown), ms. */
export interface Timing {
  wallMs: number;
  cpuMs: number | null;
}

export function medianMs(runs: number, fn: () => void): number {
  return timed(runs, fn).wallMs;
}

export async function medianMsAsync(runs: number, fn: () => Promise<void>): Promise<number> {
  return (await timedAsync(runs, fn)).wallMs;
}

/** `medianMs`, with the median CPU time of the main thread over the same runs. */
export function timed(runs: number, fn: () => void): Timing {
  fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage?.();
    const cpu = threadCpuUs();
    const start = performance.now();
    fn();
    walls.push(performance.now() - start);
    const end = threadCpuUs();
    if (cpu !== null && end !== null) cpus.push((end - cpu) / 1000);
  }
  return { wallMs: median(walls), cpuMs: cpus.length > 0 ? median(cpus) : null };
}

/** `medianMsAsync`, with the median CPU time of the main thread over the same runs. */
export async function timedAsync(runs: number, fn: () => Promise<void>): Promise<Timing> {
  await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage?.();
    const cpu = threadCpuUs();
    const start = performance.now();
    await fn();
    walls.push(performance.now() - start);
    const end = threadCpuUs();
    if (cpu !== null && end !== null) cpus.push((end - cpu) / 1000);
  }
  return { wallMs: median(walls), cpuMs: cpus.length > 0 ? median(cpus) : null };
}

/** Calls `steadyAsync` makes before it times any. */
const STEADY_WARMUP = 5;

/**
 * Steady state: `batches` calls back to back, without a forced collection between them, as a warm consumer takes
 * one batch after another, so the garbage collector's work is in the time. Wall and main-thread CPU time per
 * call, the medians over `reps` repetitions (after `STEADY_WARMUP` calls); `fn` gets a running call number.
 */
export async function steadyAsync(
  reps: number,
  batches: number,
  fn: (call: number) => Promise<void> | void,
): Promise<Timing> {
  let call = 0;
  for (let i = 0; i < STEADY_WARMUP; i++) await fn(call++);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    const cpu = threadCpuUs();
    const start = performance.now();
    for (let i = 0; i < batches; i++) await fn(call++);
    walls.push((performance.now() - start) / batches);
    const end = threadCpuUs();
    if (cpu !== null && end !== null) cpus.push((end - cpu) / 1000 / batches);
  }
  return { wallMs: median(walls), cpuMs: cpus.length > 0 ? median(cpus) : null };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baseline_value: number;
  ratio: number;
}

export function result(
  name: string,
  value: number,
  unit: string,
  baseline: string,
  baselineValue: number,
): BenchResult {
  return {
    name,
    value: round(value),
    unit,
    baseline,
    baseline_value: round(baselineValue),
    ratio: round(value / baselineValue, 3),
  };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
