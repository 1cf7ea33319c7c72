import { parseTimestamp, quote } from '@tokenledger/client/contract';
import { type JsonErrorPlace, jsonErrorMessage, jsonErrorPlace } from '../json-position.ts';

/** A prompt deploy record (docs/contracts.md §8): one per prompt_id + version, append-only; `retired_at` is set once. */
export interface DeployRecord {
  prompt_id: string;
  version: string;
  author: string;
  approved_by: string | null;
  approved_at: string | null;
  eval: { run_id: string; passed: boolean; score: number; at: string } | null;
  deployed_at: string;
  rollout: { cohorts: string[]; percent: number } | null;
  kill_switch: string | null;
  retired_at: string | null;
  change_ref: string | null;
  content_sha256: string | null;
}

/** Why a record was refused: the field (dotted for nested ones) and a message naming it and quoting the value. */
export interface RecordError {
  field: string;
  message: string;
}

export type RecordValidation = { ok: true; record: DeployRecord } | { ok: false; errors: RecordError[] };

/** Longest prompt_id / version (as the event's prompt fields). */
export const PROMPT_KEY_MAX = 128;
const TEXT_MAX = 1024;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

const FIELDS = [
  'prompt_id',
  'version',
  'author',
  'approved_by',
  'approved_at',
  'eval',
  'deployed_at',
  'rollout',
  'kill_switch',
  'retired_at',
  'change_ref',
  'content_sha256',
] as const;

/**
 * Checks one decoded record against docs/contracts.md §8. Every broken rule is reported; each message starts with
 * `where` (`deploys.jsonl: line 3`) and the field, and quotes the value. Nullable fields may be left out
 * (they become null); fields the record does not have are refused, so that a misspelt `aproved_by` is not
 * silently stored as "not approved".
 */
export function validateDeployRecord(input: unknown, where: string): RecordValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ field: '(record)', message: `${where}: must be a JSON object, got ${quote(input)}` }],
    };
  }
  const r = input as Record<string, unknown>;
  const errors: RecordError[] = [];
  const fail = (field: string, rule: string, value: unknown, withValue = true): null => {
    const got = withValue ? `, got ${quote(value)}` : '';
    errors.push({ field, message: `${where}: ${field}: ${rule}${got}` });
    return null;
  };

  const text = (field: string, value: unknown, required: boolean, max = TEXT_MAX): string | null => {
    if (value === undefined || value === null) return required ? fail(field, 'required', value, false) : null;
    if (typeof value !== 'string') return fail(field, 'must be a string', value);
    if (value.trim() === '') return fail(field, 'must not be empty', value);
    if (value.length > max) return fail(field, `longer than ${max} characters`, value);
    return value;
  };
  const time = (field: string, value: unknown, required: boolean): string | null => {
    if (value === undefined || value === null) return required ? fail(field, 'required', value, false) : null;
    if (typeof value !== 'string') return fail(field, 'must be a string', value);
    if (parseTimestamp(value) === null)
      return fail(field, 'is not an ISO-8601 date-time with seconds and Z or ±HH:MM', value);
    return value;
  };

  for (const key of Object.keys(r)) {
    if (!(FIELDS as readonly string[]).includes(key))
      fail(key, `is not a field of a deploy record (fields: ${FIELDS.join(', ')})`, r[key]);
  }

  const promptId = text('prompt_id', r.prompt_id, true, PROMPT_KEY_MAX);
  const version = text('version', r.version, true, PROMPT_KEY_MAX);
  const author = text('author', r.author, true);
  const approvedBy = text('approved_by', r.approved_by, false);
  const approvedAt = time('approved_at', r.approved_at, false);
  const deployedAt = time('deployed_at', r.deployed_at, true);
  const killSwitch = text('kill_switch', r.kill_switch, false);
  const retiredAt = time('retired_at', r.retired_at, false);
  const changeRef = text('change_ref', r.change_ref, false);
  let sha: string | null = null;
  if (r.content_sha256 !== undefined && r.content_sha256 !== null) {
    if (typeof r.content_sha256 !== 'string' || !SHA256_PATTERN.test(r.content_sha256))
      fail('content_sha256', 'must be 64 lower-case hex digits', r.content_sha256);
    else sha = r.content_sha256;
  }

  let evalResult: DeployRecord['eval'] = null;
  if (r.eval !== undefined && r.eval !== null) {
    if (typeof r.eval !== 'object' || Array.isArray(r.eval)) {
      fail('eval', 'must be null or an object {run_id, passed, score, at}', r.eval);
    } else {
      const e = r.eval as Record<string, unknown>;
      const runId = text('eval.run_id', e.run_id, true);
      let passed: boolean | null = null;
      if (e.passed === undefined || e.passed === null) fail('eval.passed', 'required', e.passed, false);
      else if (typeof e.passed !== 'boolean') fail('eval.passed', 'must be true or false', e.passed);
      else passed = e.passed;
      let score: number | null = null;
      if (e.score === undefined || e.score === null) fail('eval.score', 'required', e.score, false);
      else if (typeof e.score !== 'number' || !Number.isFinite(e.score))
        fail('eval.score', 'must be a number', e.score);
      else score = e.score;
      const at = time('eval.at', e.at, true);
      for (const key of Object.keys(e)) {
        if (!['run_id', 'passed', 'score', 'at'].includes(key))
          fail(`eval.${key}`, 'is not a field of eval (run_id, passed, score, at)', e[key]);
      }
      if (runId !== null && passed !== null && score !== null && at !== null)
        evalResult = { run_id: runId, passed, score, at };
    }
  }

  let rollout: DeployRecord['rollout'] = null;
  if (r.rollout !== undefined && r.rollout !== null) {
    if (typeof r.rollout !== 'object' || Array.isArray(r.rollout)) {
      fail('rollout', 'must be null or an object {cohorts, percent}', r.rollout);
    } else {
      const o = r.rollout as Record<string, unknown>;
      let cohorts: string[] | null = null;
      if (!Array.isArray(o.cohorts)) fail('rollout.cohorts', 'must be an array of strings', o.cohorts);
      else {
        const bad = o.cohorts.findIndex((c) => typeof c !== 'string' || c.trim() === '');
        if (bad >= 0) fail(`rollout.cohorts[${bad}]`, 'must be a non-empty string', o.cohorts[bad]);
        else cohorts = o.cohorts as string[];
      }
      let percent: number | null = null;
      if (typeof o.percent !== 'number' || !Number.isFinite(o.percent))
        fail('rollout.percent', 'must be a number from 0 to 100', o.percent, o.percent !== undefined);
      else if (o.percent < 0 || o.percent > 100) fail('rollout.percent', 'must be from 0 to 100', o.percent);
      else percent = o.percent;
      for (const key of Object.keys(o)) {
        if (!['cohorts', 'percent'].includes(key))
          fail(`rollout.${key}`, 'is not a field of rollout (cohorts, percent)', o[key]);
      }
      if (cohorts !== null && percent !== null) rollout = { cohorts, percent };
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    record: {
      prompt_id: promptId as string,
      version: version as string,
      author: author as string,
      approved_by: approvedBy,
      approved_at: approvedAt,
      eval: evalResult,
      deployed_at: deployedAt as string,
      rollout,
      kill_switch: killSwitch,
      retired_at: retiredAt,
      change_ref: changeRef,
      content_sha256: sha,
    },
  };
}

/** One record of a records file: where it is (`record 2`, `line 3`) and the record or why it was refused. */
export type RecordEntry =
  | { position: string; record: DeployRecord; errors?: undefined }
  | { position: string; record?: undefined; errors: RecordError[] };

/**
 * Reads a file of deploy records: one JSON object (`record 1`), a JSON array (`record N`, 1-based) or JSONL
 * (`line N`, blank lines skipped). Each record is validated on its own; a line that is not JSON is an entry
 * with an error, not a failure of the file. A file starting with `{` whose first line is not a record of its
 * own, and is not followed by one, is read as one (pretty-printed) object: when it does not parse, that is
 * ONE entry naming where the JSON breaks off ("truncated JSON at line L, column C"), not one per line.
 * Throws only when the file holds no record at all or is a broken JSON array (there is then no record to
 * name); the error says where the array breaks off.
 */
export function parseRecordsFile(text: string, file: string): RecordEntry[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error(`${file}: holds no records (the file is empty)`);
  const entry = (position: string, value: unknown): RecordEntry => {
    const v = validateDeployRecord(value, `${file}: ${position}`);
    return v.ok ? { position, record: v.record } : { position, errors: v.errors };
  };
  if (trimmed.startsWith('[')) {
    let values: unknown;
    try {
      values = JSON.parse(text);
    } catch (err) {
      const place = jsonErrorPlace(text, err);
      throw new Error(`${file}: is not a valid JSON array (${place.message}): ${where(place)}`);
    }
    const list = values as unknown[];
    if (list.length === 0) throw new Error(`${file}: holds no records (the array is empty)`);
    return list.map((v, i) => entry(`record ${i + 1}`, v));
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (!isJsonLines(lines)) {
        // One object, pretty-printed over many lines, that does not parse (most often: cut off).
        const position = `line ${lines.findIndex((l) => l.trim() !== '') + 1}`;
        const place = jsonErrorPlace(text, err);
        const message = `${file}: ${position}: not valid JSON (${place.message}): ${where(place)}`;
        return [{ position, errors: [{ field: '(json)', message }] }];
      }
    }
    if (value !== undefined) return [entry('record 1', value)];
  }
  const entries: RecordEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const position = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      entries.push({
        position,
        errors: [
          { field: '(json)', message: `${file}: ${position}: not valid JSON (${jsonErrorMessage(err)})` },
        ],
      });
      continue;
    }
    entries.push(entry(position, value));
  }
  return entries;
}

function where(place: JsonErrorPlace): string {
  return place.truncated ? `truncated JSON at ${place.at}` : `the error is at ${place.at}`;
}

/**
 * Whether a text starting with `{` that does not parse whole is JSONL: its first line is a JSON value of its
 * own, or the next one starts a record of its own (a first line cut short). A pretty-printed object's first
 * line is an opening that its next line continues.
 */
function isJsonLines(lines: readonly string[]): boolean {
  const [first, next] = lines.filter((l) => l.trim() !== '');
  try {
    JSON.parse(first as string);
    return true;
  } catch {
    return next?.trimStart().startsWith('{') ?? false;
  }
}
