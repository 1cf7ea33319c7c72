import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { FsDeliveryLedger } from '../../src/adapters/local/fs-delivery-ledger.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import { OutboxMailSender } from '../../src/adapters/local/outbox-mail-sender.ts';
import type { DeployRecord } from '../../src/core/prompts/deploy-record.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import { type ReportJobDependencies, runReportJob } from '../../src/jobs/report-job.ts';
import type { MailSender } from '../../src/ports/mail-sender.ts';
import type { QueryRunner } from '../../src/ports/query-runner.ts';
import { parseMonth } from '../../src/reports/month.ts';
import { dayRange, monthPeriod } from '../../src/reports/report-period.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const DAY = dayRange('2026-11-01', '2026-11-02');
const NOW = new Date('2026-11-03T06:00:00Z');

const record = (version: string, extra: Partial<DeployRecord> = {}): DeployRecord => ({
  prompt_id: 'draft',
  version,
  author: 'ana',
  approved_by: 'ben',
  approved_at: '2026-10-20T10:00:00Z',
  eval: { run_id: 'ev-1', passed: true, score: 0.93, at: '2026-10-20T11:00:00Z' },
  deployed_at: '2026-10-21T09:00:00Z',
  rollout: null,
  kill_switch: 'flags/draft',
  retired_at: null,
  change_ref: 'abc123',
  content_sha256: null,
  ...extra,
});

/** A QueryRunner over the real one that fails one query file: Athena failing mid-report, which DuckDB never does. */
function failingOn(file: string, inner: QueryRunner): QueryRunner {
  return {
    run: (q, params) => (q === file ? Promise.reject(new Error(`query ${q} FAILED`)) : inner.run(q, params)),
  };
}

let dir: string;
let remove: () => Promise<void>;
let engine: LocalQueryEngine;

beforeAll(async () => {
  ({ dir, remove } = await tempDir('report-job-'));
  const lake = new LakeFixture(dir);
  await lake.events([
    ...Array.from({ length: 4 }, (_, i) =>
      wireEvent({ ts: `2026-11-01T0${i}:00:00Z`, prompt_id: 'draft', prompt_version: 'v1' }),
    ),
    ...Array.from({ length: 3 }, (_, i) =>
      wireEvent({
        ts: `2026-11-01T1${i}:00:00Z`,
        prompt_id: 'draft',
        prompt_version: 'v2-hotfix',
        status: 'cancelled',
        delivered_output_tokens: 20,
      }),
    ),
  ]);
  await new FsPromptRegistry(dir).register(record('v1'));
  engine = await LocalQueryEngine.open(dir);
});

afterAll(async () => {
  engine.close();
  await remove();
});

function deps(extra: Partial<ReportJobDependencies> = {}): ReportJobDependencies {
  return {
    queries: new LocalQueryRunner(engine),
    registry: new FsPromptRegistry(dir),
    lake: new FsLakeStore(dir),
    now: () => NOW,
    refreshRollups: () => rollUpLocalLake(engine),
    mail: {
      from: 'reports@acme.test',
      to: ['cfo@acme.test'],
      sender: new OutboxMailSender(dir),
      ledger: new FsDeliveryLedger(dir),
    },
    ...extra,
  };
}

const emls = async () => (await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.eml'));

describe('runReportJob (local adapters)', () => {
  it('writes nothing and sends nothing when a query fails', async () => {
    const d = deps();
    await expect(
      runReportJob('governance', DAY, { ...d, queries: failingOn('reports/prompt_groups.sql', d.queries) }),
    ).rejects.toThrow('query reports/prompt_groups.sql FAILED');
    expect(existsSync(join(dir, 'reports/governance'))).toBe(false);
    expect(existsSync(join(dir, 'outbox'))).toBe(false);
  });

  it('gives the claim back when the send fails, so the next run sends the email', async () => {
    const broken: MailSender = { send: () => Promise.reject(new Error('SES said no')) }; // a send fault on demand
    const d = deps();
    await expect(
      runReportJob('governance', DAY, {
        ...d,
        mail: { ...(d.mail as NonNullable<typeof d.mail>), sender: broken },
      }),
    ).rejects.toThrow('SES said no');
    const record = JSON.parse(
      await readFile(join(dir, 'outbox/deliveries/governance-2026-11-01_2026-11-02.json'), 'utf8'),
    );
    expect(record).toMatchObject({ status: 'failed', last_error: 'SES said no' });
    expect(await emls()).toEqual([]);
  });

  it('writes JSON, CSV and HTML under reports/<kind>/<period>/ and emails them once', async () => {
    const first = await runReportJob('governance', DAY, deps());
    expect(first.email.status).toBe('sent');
    const prefix = 'reports/governance/2026-11-01_2026-11-02/';
    expect(first.keys.sort()).toEqual(
      ['deploy_changes.csv', 'deploy_changes.json', 'governance.csv', 'governance.html', 'governance.json']
        .map((f) => prefix + f)
        .sort(),
    );
    const json = JSON.parse(await readFile(join(dir, prefix, 'governance.json'), 'utf8'));
    expect(json.findings).toEqual([
      expect.objectContaining({ rule: 'UNREGISTERED_VERSION', prompt_version: 'v2-hotfix', requests: 3 }),
    ]);

    expect(await emls()).toEqual(['governance-2026-11-01_2026-11-02.eml']);
    const mail = await simpleParser(await readFile(join(dir, 'outbox/governance-2026-11-01_2026-11-02.eml')));
    expect(mail.subject).toBe('[tokenledger] Prompt governance 2026-11-01: 1 critical');
    expect(mail.html).toBe(await readFile(join(dir, prefix, 'governance.html'), 'utf8'));
    expect(mail.text).toContain('UNREGISTERED_VERSION  draft@v2-hotfix');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString('utf8')])).toEqual([
      [
        'governance-2026-11-01_2026-11-02-governance.csv',
        await readFile(join(dir, prefix, 'governance.csv'), 'utf8'),
      ],
      [
        'governance-2026-11-01_2026-11-02-deploy_changes.csv',
        await readFile(join(dir, prefix, 'deploy_changes.csv'), 'utf8'),
      ],
    ]);

    const second = await runReportJob('governance', DAY, deps());
    expect(second.email).toEqual({
      status: 'already-sent',
      messageId: (first.email as { messageId: string }).messageId,
      sentAt: NOW.toISOString(),
    });
    expect(await emls()).toHaveLength(1);
  });

  it('runs the waste report of a day and the margin report of a month the same way', async () => {
    const waste = await runReportJob('waste', DAY, deps());
    expect(waste.doc.subject).toMatch(/^\[tokenledger\] Cancellation waste 2026-11-01: \$\d/);
    expect((waste.doc.json as { rows: unknown[] }).rows).toHaveLength(1);
    const margin = await runReportJob('margin', monthPeriod(parseMonth('2026-11') as never), deps());
    expect(margin.keys).toContain('reports/margin/2026-11/margin.html');
    expect((margin.doc.json as { rows: { requests: number }[] }).rows[0]?.requests).toBe(7);
    expect((await emls()).sort()).toEqual([
      'governance-2026-11-01_2026-11-02.eml',
      'margin-2026-11.eml',
      'waste-2026-11-01_2026-11-02.eml',
    ]);
  });

  it('writes the report without an email when there is no one to send it to', async () => {
    const result = await runReportJob(
      'waste',
      dayRange('2026-11-02', '2026-11-03'),
      deps({ mail: undefined }),
    );
    expect(result.email).toEqual({ status: 'not-requested' });
    expect(existsSync(join(dir, 'reports/waste/2026-11-02_2026-11-03/waste.html'))).toBe(true);
    expect(await emls()).not.toContain('waste-2026-11-02_2026-11-03.eml');
  });
});
