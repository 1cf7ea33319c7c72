import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsPromptRegistry } from '../../src/adapters/local/fs-prompt-registry.ts';
import { demoDeployRecords } from '../../src/demo/prompt-deploys.ts';
import { byPromptAndVersion } from '../../src/ports/prompt-registry.ts';
import { unpropagated, type WasteReport } from '../../src/reports/waste-report.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { type CliRun, runCli } from './run-cli.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
let demo: CliRun;
const RANGE = ['--from', '2025-09-01', '--to', '2025-10-01'];

beforeAll(async () => {
  tmp = await tempDir('tokenledger-demo-governance-');
  lake = join(tmp.dir, 'lake');
  demo = await runCli('demo', '--events', '6000', '--month', '2025-09', '--lake', lake);
}, 60_000);
afterAll(async () => {
  await tmp.remove();
});

describe('demo: prompt deploys in the registry, findings in the reports', () => {
  it('registers the deploy records of the month and says how many', async () => {
    // Act
    const registered = await new FsPromptRegistry(lake).list();

    // Assess
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/^prompt registry: 13 deploy records registered$/m);
    expect(registered).toEqual([...demoDeployRecords('2025-09')].sort(byPromptAndVersion));
  });

  it('`report governance` over the month lists each anomaly of the demo data', async () => {
    // Act
    const run = await runCli('report', 'governance', ...RANGE, '--format', 'json', '--lake', lake);

    // Assess
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as {
      findings: {
        rule: string;
        severity: string;
        prompt_id: string;
        prompt_version: string;
        requests: number;
      }[];
    };
    const found = json.findings.map((f) => `${f.severity} ${f.rule} ${f.prompt_id}@${f.prompt_version}`);
    expect(found.sort()).toEqual([
      'critical SERVED_AFTER_RETIRE draft-email@v7',
      'critical UNREGISTERED_VERSION support-agent@v13-hotfix',
      'high NO_EVAL_GATE summarize-thread@v5',
      'high NO_REVIEW rewrite-tone@v4',
      'low NO_KILL_SWITCH search-answer@v1',
      'medium OUT_OF_ROLLOUT search-answer@v2',
    ]);
    for (const f of json.findings) expect(f.requests).toBeGreaterThan(0);
  });

  it('`report waste` shows rewrite-tone as the feature whose stop button does not reach the provider', async () => {
    // Act
    const run = await runCli('report', 'waste', ...RANGE, '--format', 'json', '--lake', lake);

    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as WasteReport;
    expect(unpropagated(report).map((u) => u.row.feature)).toEqual(['rewrite-tone']);
  });
  it('ends with the three reports and their emails, printing where each is', async () => {
    const files = [
      ['reports/margin/2025-09/margin.html', 'outbox/margin-2025-09.eml'],
      ['reports/waste/2025-09-01_2025-10-01/waste.html', 'outbox/waste-2025-09-01_2025-10-01.eml'],
      [
        'reports/governance/2025-09-01_2025-10-01/governance.html',
        'outbox/governance-2025-09-01_2025-10-01.eml',
      ],
    ];
    for (const [html, eml] of files) {
      expect(demo.stdout).toContain(`  ${join(lake, html as string)}\n    ${join(lake, eml as string)}\n`);
      const mail = await simpleParser(await readFile(join(lake, eml as string)));
      expect(mail.html).toBe(await readFile(join(lake, html as string), 'utf8'));
      expect(mail.attachments.length).toBeGreaterThan(0);
    }
    expect(demo.stdout).toMatch(
      /^Prompt-deploy governance of 2025-09: 2 critical, 2 high, 1 medium, 1 low on 6 of 14 prompt versions/m,
    );
    expect(demo.stdout).toMatch(/^ {2}rewrite-tone \(openai [^)]+\): the stop does not reach the provider/m);
  });
});
