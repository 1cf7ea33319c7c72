import { capacityFor } from './column-scratch.ts';
import { EVENT_COLUMNS, type EventRow } from './event-columns.ts';

/**
 * A number column's cells: the values in a `Float64Array` (0 where null) and a presence flag per row. Numbers
 * kept in a plain array of mixed cells are boxed, one heap object per timestamp or fractional latency; a typed
 * array stores them unboxed (docs/benchmarks.md, ingest).
 */
export interface NumberCells {
  column: string;
  values: Float64Array;
  /** 1 where the row has a value, 0 where it is null. */
  defined: Uint8Array;
}

/**
 * The cells of every events column, by column name: the table's STRING columns as strings (null where absent),
 * the others as numbers.
 */
export interface EventCells {
  strings: ReadonlyMap<string, (string | null)[]>;
  numbers: ReadonlyMap<string, NumberCells>;
}

/** The arrays, one per column of `EVENT_COLUMNS`, reused from one file to the next (see `eventColumnCells`). */
const CELLS = {
  strings: new Map<string, (string | null)[]>(
    EVENT_COLUMNS.filter((c) => c.parquet === 'STRING').map((c) => [c.name, []]),
  ),
  numbers: new Map<string, NumberCells>(
    EVENT_COLUMNS.filter((c) => c.parquet !== 'STRING').map((c) => [
      c.name,
      { column: c.name, values: new Float64Array(0), defined: new Uint8Array(0) },
    ]),
  ),
};

function strings(name: keyof EventRow): (string | null)[] {
  const cells = CELLS.strings.get(name);
  if (!cells) throw new Error(`events writer: ${name} is not a string column of the events table`);
  return cells;
}

function numbers(name: keyof EventRow): NumberCells {
  const cells = CELLS.numbers.get(name);
  if (!cells) throw new Error(`events writer: ${name} is not a number column of the events table`);
  return cells;
}

/**
 * The cells of every events column, rows taken in `order`: the values `EVENT_CELLS` gives, read in one pass
 * with a property load per cell (the rows share one shape, so each load is monomorphic) rather than a call
 * through 26 accessors. A missing optional field reads as null. The arrays are reused from one call to the
 * next (allocating 26 arrays a file cost more than filling them); the strings stay referenced until
 * `releaseColumnCells`.
 */
export function eventColumnCells(rows: readonly EventRow[], order: ArrayLike<number>): EventCells {
  const n = order.length;
  for (const cells of CELLS.strings.values()) cells.length = n;
  for (const cells of CELLS.numbers.values()) {
    if (cells.values.length < n) {
      const size = capacityFor(n);
      cells.values = new Float64Array(size);
      cells.defined = new Uint8Array(size);
    }
  }
  const event_id = strings('event_id');
  const feature = strings('feature');
  const cohort = strings('cohort');
  const customer_id = strings('customer_id');
  const user_hash = strings('user_hash');
  const provider = strings('provider');
  const model = strings('model');
  const operation = strings('operation');
  const service_tier = strings('service_tier');
  const prompt_id = strings('prompt_id');
  const prompt_version = strings('prompt_version');
  const status = strings('status');
  const tags = strings('tags');
  const tool_calls = strings('tool_calls');
  const trace_id = strings('trace_id');
  const ts = numbers('ts');
  const input_tokens = numbers('input_tokens');
  const cache_read_tokens = numbers('cache_read_tokens');
  const cache_write_tokens = numbers('cache_write_tokens');
  const output_tokens = numbers('output_tokens');
  const reasoning_tokens = numbers('reasoning_tokens');
  const delivered_output_tokens = numbers('delivered_output_tokens');
  const latency_ms = numbers('latency_ms');
  const ttft_ms = numbers('ttft_ms');
  const received_at = numbers('received_at');
  const cache_write_1h_tokens = numbers('cache_write_1h_tokens');
  for (let i = 0; i < n; i++) {
    const r = rows[order[i] as number] as EventRow;
    event_id[i] = r.event_id;
    setNumber(ts, i, r.ts);
    feature[i] = r.feature;
    cohort[i] = r.cohort;
    customer_id[i] = r.customer_id ?? null;
    user_hash[i] = r.user_hash ?? null;
    provider[i] = r.provider;
    model[i] = r.model;
    operation[i] = r.operation;
    service_tier[i] = r.service_tier;
    prompt_id[i] = r.prompt_id ?? null;
    prompt_version[i] = r.prompt_version ?? null;
    setNumber(input_tokens, i, r.input_tokens);
    setNumber(cache_read_tokens, i, r.cache_read_tokens);
    setNumber(cache_write_tokens, i, r.cache_write_tokens);
    setNumber(output_tokens, i, r.output_tokens);
    setNumber(reasoning_tokens, i, r.reasoning_tokens);
    setNumber(delivered_output_tokens, i, r.delivered_output_tokens);
    status[i] = r.status;
    setNumber(latency_ms, i, r.latency_ms);
    setNumber(ttft_ms, i, r.ttft_ms);
    tags[i] = r.tags === null || r.tags === undefined ? null : JSON.stringify(r.tags);
    setNumber(received_at, i, r.received_at);
    setNumber(cache_write_1h_tokens, i, r.cache_write_1h_tokens);
    tool_calls[i] = r.tool_calls === null || r.tool_calls === undefined ? null : JSON.stringify(r.tool_calls);
    trace_id[i] = r.trace_id ?? null;
  }
  return CELLS;
}

/**
 * A number cell; null or absent leaves 0 and no presence flag (a required column's encoder refuses that). Small
 * enough for the compiler to inline at each of the 11 number columns (it did not, while it held the other cases).
 */
function setNumber(cells: NumberCells, i: number, value: number | null | undefined): void {
  if (typeof value === 'number') {
    cells.values[i] = value;
    cells.defined[i] = 1;
  } else setOtherNumber(cells, i, value);
}

function setOtherNumber(cells: NumberCells, i: number, value: unknown): void {
  if (value !== null && value !== undefined)
    throw new Error(`parquet expected a number in column ${cells.column}, got ${String(value)}`);
  cells.values[i] = 0;
  cells.defined[i] = 0;
}

/** Lets go of the last file's strings, keeping the arrays. */
export function releaseColumnCells(): void {
  for (const cells of CELLS.strings.values()) cells.fill(null);
}
