import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import { checkGovernance } from '../../src/core/governance/rules.ts';
import type { DeployRecord } from '../../src/core/prompts/deploy-record.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import { governanceReport } from '../../src/reports/governance-report.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The governance report reads the served versions counted per version, cohort and hour from the hourly rollup, not
// one row per request (10 million rows at 10 M events). Where a deploy or retire time falls inside a group's first
// and last request, that group is read request by request, so every figure equals the check of the individual
// requests.

const record = (version: string, overrides: Partial<DeployRecord> = {}): DeployRecord => ({
  prompt_id: 'support',
  version,
  author: 'ana',
  approved_by: 'ben',
  approved_at: '2026-11-01T00:00:00Z',
  eval: { run_id: 'e1', passed: true, score: 0.9, at: '2026-11-01T00:30:00Z' },
  deployed_at: '2026-11-02T10:30:00Z',
  rollout: { cohorts: ['pro'], percent: 100 },
  kill_switch: 'flags/support',
  retired_at: null,
  change_ref: null,
  content_sha256: null,
  ...overrides,
});

let tmp: { dir: string; remove: () => Promise<void> };
let engine: LocalQueryEngine;
beforeAll(async () => {
  tmp = await tempDir('tokenledger-grouped-governance-');
  const lake = new LakeFixture(tmp.dir);
  const at = (version: string, ts: string, cohort = 'pro') =>
    wireEvent({ prompt_id: 'support', prompt_version: version, cohort, ts });
  await lake.events([
    // v2 is deployed at 10:30: two requests before it in the same hour, two after (one out of its rollout)
    at('v2', '2026-11-02T10:10:00.000Z'),
    at('v2', '2026-11-02T10:20:00.000Z'),
    at('v2', '2026-11-02T10:40:00.000Z'),
    at('v2', '2026-11-02T10:50:00.000Z', 'free'),
    // v2 in whole hours after its deploy
    ...Array.from({ length: 30 }, (_, i) => at('v2', `2026-11-02T1${2 + (i % 3)}:0${i % 10}:00.000Z`)),
    // v1 is retired at 14:15: served before, inside and after the retire hour
    ...Array.from({ length: 12 }, (_, i) =>
      at('v1', `2026-11-02T${13 + Math.floor(i / 4)}:${String(5 + (i % 4) * 10).padStart(2, '0')}:00.000Z`),
    ),
    // an unregistered version
    at('hotfix', '2026-11-02T16:00:00.000Z'),
  ]);
  const registry = new FsPromptRegistry(tmp.dir);
  await registry.register(
    record('v1', { deployed_at: '2026-11-01T00:00:00Z', retired_at: '2026-11-02T14:15:00Z' }),
  );
  await registry.register(record('v2'));
  engine = await LocalQueryEngine.open(tmp.dir);
  await rollUpLocalLake(engine);
});
afterAll(async () => {
  engine?.close();
  await tmp?.remove();
});

describe('governance from groups of requests', () => {
  it('equals the check of every single request, reading one by one only the groups a deploy or retire splits', async () => {
    // Act
    const runner = new LocalQueryRunner(engine);
    const calls: string[] = [];
    const recording = {
      run: (file: string, params: readonly string[]) => {
        calls.push(`${file} ${params.slice(2, 5).join(' ')}`.trim());
        return runner.run(file, params);
      },
    };
    const report = await governanceReport(
      recording,
      new FsPromptRegistry(tmp.dir),
      '2026-11-02',
      '2026-11-03',
    );

    // Assess: the reference checks the requests one by one
    const rows = await engine.run(
      'SELECT event_id, ts, cohort, prompt_id, prompt_version FROM events_dedup WHERE prompt_id IS NOT NULL',
    );
    const reference = checkGovernance(
      rows.map((r) => ({
        event_id: String(r.event_id),
        ts: Date.parse(`${String(r.ts).replace(' ', 'T')}Z`),
        cohort: String(r.cohort),
        prompt_id: String(r.prompt_id),
        prompt_version: String(r.prompt_version),
      })),
      await new FsPromptRegistry(tmp.dir).list(),
    );
    expect(report.summary).toEqual(reference.summary);
    expect([...report.findings].sort((a, b) => a.rule.localeCompare(b.rule))).toEqual(
      [...reference.findings].sort((a, b) => a.rule.localeCompare(b.rule)),
    );
    // by hand: v2 served twice before its deploy; once out of its rollout; v1 served after its retirement
    const byRule = Object.fromEntries(report.findings.map((f) => [`${f.rule} ${f.prompt_version}`, f]));
    expect(byRule['SERVED_BEFORE_DEPLOY v2']).toMatchObject({
      requests: 2,
      first_seen: '2026-11-02T10:10:00.000Z',
      last_seen: '2026-11-02T10:20:00.000Z',
    });
    expect(byRule['OUT_OF_ROLLOUT v2']?.requests).toBe(1);
    expect(byRule['SERVED_AFTER_RETIRE v1']).toMatchObject({
      requests: 7,
      first_seen: '2026-11-02T14:15:00.000Z',
      last_seen: '2026-11-02T15:35:00.000Z',
    });
    expect(report.summary.requests).toBe(47);
    // only the v2 group of 10:00 (pro) and the v1 group of 14:00 are read request by request
    expect(calls.filter((c) => c.startsWith('reports/prompt_group_events.sql')).sort()).toEqual([
      'reports/prompt_group_events.sql support v1 pro',
      'reports/prompt_group_events.sql support v2 pro',
    ]);
  });
});
