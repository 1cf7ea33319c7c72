import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// The stack outputs the docs name must exist: the README once named `RegistryTableName` where the template says
// `PromptRegistryTableName`. The app is synthesized with every option that adds an output (producer accounts,
// a domain sender, a KMS key), and every output the README or docs/*.md name is looked up in its templates.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** What an output's name looks like: every output of the app has one of these endings (checked below). */
const OUTPUT_NAME = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*(?:Name|Arn|Record\d+)$/;

/**
 * The output names a markdown text mentions: the inline-code names shaped like an output's in a sentence that speaks
 * of an output; the first column of a table whose first heading does ("| stack output |"); and
 * anywhere, what a CLI query selects (`OutputKey=='StreamName'`).
 */
function mentionedOutputs(markdown: string): string[] {
  const names = new Set<string>();
  const add = (text: string) => {
    for (const m of text.matchAll(/`([A-Za-z0-9]+)`/g))
      if (OUTPUT_NAME.test(m[1] as string)) names.add(m[1] as string);
  };
  for (const m of markdown.matchAll(/OutputKey\s*==\s*[`'"]([A-Za-z0-9]+)[`'"]/g)) names.add(m[1] as string);
  for (const paragraph of markdown.split(/\n\s*\n/)) {
    const lines = paragraph.split('\n');
    if (lines.every((line) => line.trimStart().startsWith('|'))) {
      const outputsTable = /output/i.test(lines[0]?.split('|')[1] ?? '');
      if (outputsTable) for (const row of lines) add(row.split('|')[1] ?? '');
      continue;
    }
    for (const sentence of paragraph.split(/(?<=[.;:])\s+/))
      if (/\boutputs?\b/i.test(sentence)) add(sentence);
  }
  return [...names].sort();
}

let full: SynthesizedApp;
beforeAll(() => {
  full = synthesizeApp({
    skipBundling: true,
    appProps: {
      context: {
        producerAccountIds: '222222222222',
        reportsFrom: 'reports@example.com',
        reportsIdentity: 'domain',
        lakeEncryption: 'kms',
      },
    },
  });
});
afterAll(() => full.cleanup());

/** The named outputs of all four stacks (not CDK's own `ExportsOutput…` of cross-stack references). */
function outputNames(): string[] {
  return [full.dataTemplate, full.ingestTemplate, full.invoicesTemplate, full.reportsTemplate]
    .flatMap((template) => Object.keys(template.findOutputs('*')))
    .filter((name) => !name.startsWith('ExportsOutput'))
    .sort();
}

describe('stack outputs in the docs', () => {
  it('finds what a doc names as an output, and not what it does not', () => {
    expect(
      mentionedOutputs(
        'The stack output `RegistryTableName` names the table. The FOCUS column `ServiceProviderName`.\n\n' +
          '| stack output | what |\n| --- | --- |\n| `LakeBucketName` | the lake |\n\n' +
          '| column | what |\n| --- | --- |\n| `ProviderName` | input or output tokens |\n\n' +
          '```sh\naws cloudformation describe-stacks --query "Stacks[0].Outputs[?OutputKey==\'StreamName\'].OutputValue"\n```',
      ),
    ).toEqual(['LakeBucketName', 'RegistryTableName', 'StreamName']);
  });

  it('every output of the app is shaped like one (so the search above sees it)', () => {
    expect(outputNames().length).toBeGreaterThan(10);
    for (const name of outputNames()) expect(name).toMatch(OUTPUT_NAME);
  });

  it.each(DOCS)('%s names only outputs the synthesized templates have', (file) => {
    const outputs = outputNames();
    const missing = mentionedOutputs(readFileSync(join(ROOT, file), 'utf8')).filter(
      (name) => !outputs.includes(name),
    );
    expect(missing).toEqual([]);
  });

  it('docs/deploying.md documents every output, and docs/connect-your-app.md the ones an app needs', () => {
    const deploying = mentionedOutputs(readFileSync(join(ROOT, 'docs/deploying.md'), 'utf8'));
    // SenderDkimRecord1–3 are documented as one row: `SenderDkimRecord1`–`3`.
    const outputs = outputNames().filter((name) => !/^SenderDkimRecord[23]$/.test(name));
    expect(outputs.filter((name) => !deploying.includes(name))).toEqual([]);
    const connect = mentionedOutputs(readFileSync(join(ROOT, 'docs/connect-your-app.md'), 'utf8'));
    expect(connect).toEqual(
      expect.arrayContaining([
        'StreamName',
        'ProducerPolicyArn',
        'ProducerRoleArn',
        'AthenaWorkGroupName',
        'LakeBucketName',
      ]),
    );
  });
});
