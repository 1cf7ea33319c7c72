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

/** Calls `steadyPair` makes of each function before it times any. */
const STEADY_WARMUP = 5;

/**
 * Steady state, a subject against its baseline: blocks of `batches` calls back to back, without a forced
 * collection, as a warm consumer takes one batch after another (the garbage collector's work is in the time);
 * a block of the baseline and a block of the subject in turn, `reps` times, the first of each pair alternating,
 * so that both meet the same machine (on a shared 2-core machine the speed drifts from one second to the next).
 * Wall and main-thread CPU time per call, the medians over the blocks; `fn` gets a running call number.
 */
export async function steadyPair(
  reps: number,
  batches: number,
  baseline: (call: number) => Promise<void> | void,
  subject: (call: number) => Promise<void> | void,
): Promise<{ baseline: Timing; subject: Timing }> {
  let call = 0;
  for (let i = 0; i < STEADY_WARMUP; i++) await baseline(call++);
  for (let i = 0; i < STEADY_WARMUP; i++) await subject(call++);
  const times: Record<'baseline' | 'subject', { walls: number[]; cpus: number[] }> = {
    baseline: { walls: [], cpus: [] },
    subject: { walls: [], cpus: [] },
  };
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? (['baseline', 'subject'] as const) : (['subject', 'baseline'] as const);
    for (const which of order) {
      const fn = which === 'baseline' ? baseline : subject;
      const cpu = threadCpuUs();
      const start = performance.now();
      for (let i = 0; i < batches; i++) await fn(call++);
      times[which].walls.push((performance.now() - start) / batches);
      const end = threadCpuUs();
      if (cpu !== null && end !== null) times[which].cpus.push((end - cpu) / 1000 / batches);
    }
  }
  const timing = (t: { walls: number[]; cpus: number[] }): Timing => ({
    wallMs: median(t.walls),
    cpuMs: t.cpus.length > 0 ? median(t.cpus) : null,
  });
  return { baseline: timing(times.baseline), subject: timing(times.subject) };
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
