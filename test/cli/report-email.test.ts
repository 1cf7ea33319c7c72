import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await tempDir('report-email-'));
  await new LakeFixture(dir).events([
    wireEvent({
      ts: '2026-11-01T09:00:00Z',
      feature: 'rewrite',
      status: 'cancelled',
      delivered_output_tokens: 10,
    }),
    wireEvent({ ts: '2026-11-01T10:00:00Z', feature: 'rewrite', prompt_id: 'rw', prompt_version: 'v3' }),
  ]);
});
afterAll(() => remove());

const range = ['--from', '2026-11-01', '--to', '2026-11-02', '--lake'];

describe('tokenledger report … --email', () => {
  it('writes the email the scheduled job would send to <lake>/outbox/, once per report', async () => {
    const run = await runCli(
      'report',
      'waste',
      ...range,
      dir,
      '--email',
      '--mail-to',
      'cfo@acme.test, ml@acme.test',
    );
    expect(run.code).toBe(0);
    const eml = join(dir, 'outbox', 'waste-2026-11-01_2026-11-02.eml');
    expect(run.stderr).toContain(`email written: ${eml}`);
    const mail = await simpleParser(await readFile(eml));
    expect(mail.subject).toMatch(/^\[tokenledger\] Cancellation waste 2026-11-01: \$/);
    expect(mail.from?.text).toBe('tokenledger@example.com');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('cfo@acme.test, ml@acme.test');
    expect(mail.text).toBe(run.stdout); // the text part is the table the terminal shows
    expect(mail.attachments.map((a) => a.content.toString())).toEqual([
      await readFile(join(dir, 'reports/waste/2026-11-01_2026-11-02/waste.csv'), 'utf8'),
    ]);

    const again = await runCli('report', 'waste', ...range, dir, '--email');
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /email not written again: waste-2026-11-01_2026-11-02 was emailed at \S+ \(/,
    );
    expect((await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.eml'))).toEqual([
      'waste-2026-11-01_2026-11-02.eml',
    ]);
  });

  it('writes no email without --email', async () => {
    const run = await runCli('report', 'governance', ...range, dir, '--format', 'json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).findings.map((f: { rule: string }) => f.rule)).toEqual([
      'UNREGISTERED_VERSION',
    ]);
    expect(run.stderr).not.toMatch(/email (not )?written/);
    expect(await readdir(join(dir, 'outbox'))).not.toContain('governance-2026-11-01_2026-11-02.eml');
  });

  it('refuses a bad address or threshold as a usage error that quotes it', async () => {
    const badTo = await runCli(
      'report',
      'waste',
      ...range,
      dir,
      '--email',
      '--mail-to',
      'cfo@acme.test,finance',
    );
    expect(badTo).toMatchObject({ code: 2, stdout: '' });
    expect(badTo.stderr).toBe('tokenledger: --mail-to: "finance" is not an email address\n');
    const badThreshold = await runCli('report', 'governance', ...range, dir, '--change-threshold', 'a lot');
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.stderr).toContain('--change-threshold "a lot" is not a number ≥ 0');
  });
});
