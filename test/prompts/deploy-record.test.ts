import { describe, expect, it } from 'vitest';
import { parseRecordsFile, validateDeployRecord } from '../../src/core/prompts/deploy-record.ts';

const valid = {
  prompt_id: 'support-answer',
  version: 'v1',
  author: 'ana@example.com',
  approved_by: 'bo@example.com',
  approved_at: '2026-11-01T10:00:00Z',
  eval: { run_id: 'eval-42', passed: true, score: 0.91, at: '2026-11-01T09:00:00.123+02:00' },
  deployed_at: '2026-11-01T12:00:00Z',
  rollout: { cohorts: ['pro'], percent: 100 },
  kill_switch: null,
  retired_at: null,
  change_ref: 'git:abc123',
  content_sha256: '0123456789abcdef'.repeat(4),
};

function errorsOf(input: unknown): string[] {
  const v = validateDeployRecord(input, 'f.jsonl: line 1');
  return v.ok ? [] : v.errors.map((e) => e.message);
}

describe('validateDeployRecord', () => {
  it('accepts a full record and keeps it as is', () => {
    expect(validateDeployRecord(valid, 'x')).toEqual({ ok: true, record: valid });
  });

  it('fills left-out nullable fields with null', () => {
    const v = validateDeployRecord(
      { prompt_id: 'p', version: '1', author: 'a', deployed_at: '2026-11-01T12:00:00Z' },
      'x',
    );
    expect(v).toEqual({
      ok: true,
      record: {
        prompt_id: 'p',
        version: '1',
        author: 'a',
        approved_by: null,
        approved_at: null,
        eval: null,
        deployed_at: '2026-11-01T12:00:00Z',
        rollout: null,
        kill_switch: null,
        retired_at: null,
        change_ref: null,
        content_sha256: null,
      },
    });
  });

  it.each([
    [{ prompt_id: '' }, 'f.jsonl: line 1: prompt_id: must not be empty, got ""'],
    [{ prompt_id: 'p'.repeat(129) }, 'prompt_id: longer than 128 characters, got "ppp'],
    [{ version: 3 }, 'version: must be a string, got 3'],
    [{ author: undefined }, 'author: required'],
    [{ approved_at: '2026-11-01 10:00' }, 'approved_at: is not an ISO-8601 date-time'],
    [{ approved_at: '2026-11-01T10:00:00' }, 'approved_at: is not an ISO-8601 date-time'],
    [{ deployed_at: null }, 'deployed_at: required'],
    [{ deployed_at: '2026-02-30T10:00:00Z' }, 'deployed_at: is not an ISO-8601 date-time'],
    [{ eval: 'passed' }, 'eval: must be null or an object {run_id, passed, score, at}, got "passed"'],
    [{ eval: { ...valid.eval, passed: 'yes' } }, 'eval.passed: must be true or false, got "yes"'],
    [{ eval: { ...valid.eval, score: '0.9' } }, 'eval.score: must be a number, got "0.9"'],
    [{ eval: { ...valid.eval, at: 'today' } }, 'eval.at: is not an ISO-8601 date-time'],
    [{ eval: { passed: true, score: 1, at: valid.deployed_at } }, 'eval.run_id: required'],
    [{ rollout: { cohorts: 'pro', percent: 5 } }, 'rollout.cohorts: must be an array of strings, got "pro"'],
    [
      { rollout: { cohorts: ['pro', 7], percent: 5 } },
      'rollout.cohorts[1]: must be a non-empty string, got 7',
    ],
    [{ rollout: { cohorts: [], percent: 101 } }, 'rollout.percent: must be from 0 to 100, got 101'],
    [{ rollout: { cohorts: [], percent: -1 } }, 'rollout.percent: must be from 0 to 100, got -1'],
    [{ kill_switch: false }, 'kill_switch: must be a string, got false'],
    [{ content_sha256: 'ABC' }, 'content_sha256: must be 64 lower-case hex digits, got "ABC"'],
    [{ aproved_by: 'me' }, 'aproved_by: is not a field of a deploy record'],
  ])('refuses %j', (change, message) => {
    const errors = errorsOf({ ...valid, ...change });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    expect(errors[0]).toMatch(/^f\.jsonl: line 1: /);
  });

  it('accepts rollout percent 0 and 100 and an empty cohort list', () => {
    expect(errorsOf({ ...valid, rollout: { cohorts: [], percent: 0 } })).toEqual([]);
    expect(errorsOf({ ...valid, rollout: { cohorts: ['a'], percent: 100 } })).toEqual([]);
  });

  it('reports every broken rule at once', () => {
    const v = validateDeployRecord({ prompt_id: 1, eval: { passed: 1 } }, 'x');
    expect(v.ok ? [] : v.errors.map((e) => e.field)).toEqual([
      'prompt_id',
      'version',
      'author',
      'deployed_at',
      'eval.run_id',
      'eval.passed',
      'eval.score',
      'eval.at',
    ]);
  });

  it('refuses what is not an object', () => {
    expect(errorsOf([valid])).toEqual([
      expect.stringMatching(/^f\.jsonl: line 1: must be a JSON object, got \[\{"prompt_id"/),
    ]);
    expect(errorsOf('text')).toEqual(['f.jsonl: line 1: must be a JSON object, got "text"']);
  });
});

describe('parseRecordsFile', () => {
  it('reads one object, pretty-printed', () => {
    const entries = parseRecordsFile(JSON.stringify(valid, null, 2), 'r.json');
    expect(entries).toEqual([{ position: 'record 1', record: valid }]);
  });

  it('reads an array, numbering records from 1', () => {
    const entries = parseRecordsFile(JSON.stringify([valid, { ...valid, author: 7 }]), 'r.json');
    expect(entries.map((e) => e.position)).toEqual(['record 1', 'record 2']);
    expect(entries[1]?.errors?.[0]?.message).toBe('r.json: record 2: author: must be a string, got 7');
  });

  it('reads JSONL by line number, skipping blank lines, a broken line an entry of its own', () => {
    const text = `${JSON.stringify(valid)}\n\n{"prompt_id": \r\n${JSON.stringify({ ...valid, version: 'v2' })}\n`;
    const entries = parseRecordsFile(text, 'r.jsonl');
    expect(entries.map((e) => e.position)).toEqual(['line 1', 'line 3', 'line 4']);
    expect(entries[1]?.errors?.[0]?.message).toMatch(/^r\.jsonl: line 3: not valid JSON/);
    expect(entries[2]?.record?.version).toBe('v2');
  });

  it('refuses an empty file and a broken array', () => {
    expect(() => parseRecordsFile(' \n', 'r.json')).toThrow('r.json: holds no records');
    expect(() => parseRecordsFile('[', 'r.json')).toThrow('r.json: is not a valid JSON array');
    expect(() => parseRecordsFile('[]', 'r.json')).toThrow('r.json: holds no records');
  });
});
