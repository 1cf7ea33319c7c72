import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.remove();
});

describe('report governance through the CLI', () => {
  it('checks the served versions against the registered records, with docs/contracts.md §9 JSON', async () => {
    const lake = join(tmp.dir, 'lake');
    const events = join(tmp.dir, 'events.jsonl');
    const ev = (version: string, ts: string) =>
      line(
        wireEvent({
          prompt_id: 'support',
          prompt_version: version,
          ts,
          event_id: `evt_${version}_${ts.slice(11, 13)}xx`,
        }),
      );
    writeFileSync(
      events,
      [
        ev('v1', '2026-11-02T08:00:00Z'),
        ev('v1', '2026-11-02T09:00:00Z'),
        ev('hotfix', '2026-11-02T09:30:00Z'),
      ].join('\n'),
    );
    const records = join(tmp.dir, 'deploys.jsonl');
    writeFileSync(
      records,
      `${JSON.stringify({ prompt_id: 'support', version: 'v1', author: 'ana', approved_by: 'ana', approved_at: '2026-11-01T00:00:00Z', eval: null, deployed_at: '2026-11-02T08:30:00Z', rollout: null, kill_switch: 'flag', retired_at: null, change_ref: null, content_sha256: null })}\n`,
    );
    expect((await runCli('ingest', 'events', events, '--lake', lake)).code).toBe(0);
    expect((await runCli('prompts', 'register', records, '--lake', lake)).code).toBe(0);

    const run = await runCli(
      'report',
      'governance',
      '--from',
      '2026-11-02',
      '--to',
      '2026-11-03',
      '--format',
      'json',
      '--lake',
      lake,
    );

    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(['from', 'to', 'findings', 'summary']);
    expect(json.findings.map((f: { rule: string; requests: number }) => `${f.rule}:${f.requests}`)).toEqual([
      'UNREGISTERED_VERSION:1',
      'NO_REVIEW:2',
      'NO_EVAL_GATE:2',
      'SERVED_BEFORE_DEPLOY:1',
    ]);
    expect(Object.keys(json.findings[0])).toEqual([
      'rule',
      'severity',
      'prompt_id',
      'prompt_version',
      'requests',
      'first_seen',
      'last_seen',
    ]);
    expect(json.summary).toEqual({
      versions_seen: 2,
      versions_with_findings: 2,
      requests: 3,
      requests_with_findings: 3,
    });
  });
  it('counts the events of [from, to): at from included, at to excluded, offsets compared as instants', async () => {
    const lake = join(tmp.dir, 'lake');
    const events = join(tmp.dir, 'events.jsonl');
    const ev = (ts: string, n: number) =>
      line(wireEvent({ prompt_id: 'support', prompt_version: 'hotfix', ts, event_id: `evt_bound_${n}` }));
    writeFileSync(
      events,
      [
        ev('2026-11-01T23:59:59.999Z', 1), // before from
        ev('2026-11-02T00:00:00Z', 2), // at from
        ev('2026-11-03T01:00:00+02:00', 3), // 2026-11-02T23:00Z
        ev('2026-11-02T23:59:59.999Z', 4), // last instant
        ev('2026-11-03T00:00:00Z', 5), // at to: excluded
        ev('2026-11-03T01:00:00+01:00', 6), // 2026-11-03T00:00Z: excluded
      ].join('\n'),
    );
    expect((await runCli('ingest', 'events', events, '--lake', lake)).code).toBe(0);

    const run = await runCli(
      'report',
      'governance',
      '--from',
      '2026-11-02',
      '--to',
      '2026-11-03',
      '--format',
      'json',
      '--lake',
      lake,
    );

    expect(JSON.parse(run.stdout).findings).toEqual([
      {
        rule: 'UNREGISTERED_VERSION',
        severity: 'critical',
        prompt_id: 'support',
        prompt_version: 'hotfix',
        requests: 3,
        first_seen: '2026-11-02T00:00:00.000Z',
        last_seen: '2026-11-02T23:59:59.999Z',
      },
    ]);
  });
});
