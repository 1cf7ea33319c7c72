import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCS, REPO_ROOT } from '../helpers/docs.ts';

// Every ```ts block of README.md and docs/*.md, type-checked as written, each as a module of its own, against the
// client's real types (@tokenledger/client, built by `npm test` before the tests run) and the AWS SDK's. A reader
// copies them: a missing import or an undefined name is a bug in the docs.
//
// What a block may take as given is only what the app it is pasted into already has — its provider SDK clients
// and the request at hand — declared below as `any`. The provider SDKs are not dependencies of this repository,
// so imports from them type as `any` too; everything of ours is checked for real.

const ROOT = REPO_ROOT;
const run = promisify(execFile);

const APP_GIVEN = `// What the examples' app already has (see test/docs/code-examples.test.ts).
declare module 'openai';
declare module '@anthropic-ai/sdk';
declare module '@aws-sdk/client-bedrock-runtime';
declare module 'ai' {
  export const generateText: (options: Record<string, unknown>) => Promise<any>;
  export const streamText: (options: {
    onStepFinish?: (step: any) => void;
    onFinish?: (event: any) => void;
    [option: string]: unknown;
  }) => any;
}
declare module '@ai-sdk/openai';
declare module '@ai-sdk/anthropic';
declare module '@google/genai';
declare module '@opentelemetry/sdk-node';
declare module '@opentelemetry/exporter-trace-otlp-proto';
/** Provider SDK clients. */
declare const openai: any;
declare const anthropic: any;
declare const bedrock: any;
declare const ai: any;
/** The request at hand: its messages or prompt, tools and model id, and who it is for. */
declare const messages: any;
declare const prompt: string;
declare const contents: any;
declare const tools: any;
declare const modelId: string;
declare const account: { id: string; plan: string };
declare const user: { id: string };
/** A batch the app submitted, documents a script works through. */
declare const batchId: string;
declare const documents: string[];
/** How the app streams text to its user, and learns the user pressed stop. */
declare function send(text: string): void;
declare function userPressedStop(): boolean;
`;

interface Block {
  doc: string;
  /** 1-based line of the block's first code line in the doc. */
  line: number;
  code: string;
}

function tsBlocks(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i] as string)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    blocks.push({ doc, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const BLOCKS = DOCS.flatMap(tsBlocks);

// Under node_modules/.cache so that module resolution finds the repository's packages (and git ignores it).
const CACHE = join(ROOT, 'node_modules/.cache');
mkdirSync(CACHE, { recursive: true });
const dir = mkdtempSync(join(CACHE, 'doc-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the TypeScript examples of the README and docs/', () => {
  it('are there to check (docs/client.md has several)', () => {
    expect(BLOCKS.filter((b) => b.doc === 'docs/client.md').length).toBeGreaterThan(3);
  });

  it('type-check as written, each block a module of its own, under strict settings', async () => {
    // A block whose first line is a `// name.ts` comment is that file of the app, which other blocks import
    // (`import { ledger } from './ledger.js'`). Blocks of the repository's own code import its folders as
    // written (`./infra/…`): they are linked beside the examples.
    const files = BLOCKS.map((block, i) => {
      const named = /^\/\/ ([\w-]+)\.ts\s*$/.exec(block.code.split('\n')[0] ?? '')?.[1];
      const name = named ? `${named}.ts` : `example-${i}.ts`;
      writeFileSync(join(dir, name), `${block.code}\nexport {};\n`);
      return name;
    });
    for (const folder of ['infra', 'src', 'packages', 'data', 'queries']) {
      symlinkSync(join(ROOT, folder), join(dir, folder), 'dir');
    }
    writeFileSync(join(dir, 'app-given.d.ts'), APP_GIVEN);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          resolveJsonModule: true,
        },
        files: ['app-given.d.ts', ...files],
      }),
    );

    let output = '';
    try {
      await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir });
    } catch (err) {
      output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    }

    // Name each error by the doc and its line, as a reader would look for it.
    const errors = output
      .split('\n')
      .filter((l) => l.includes('error TS'))
      .map((l) => {
        const m = /^([\w-]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l.trim());
        if (!m) return l.trim();
        const block = BLOCKS[files.indexOf(m[1] as string)];
        if (!block) return l.trim();
        return `${block.doc}:${block.line + Number(m[2]) - 1}: ${m[4]}`;
      });
    expect(errors).toEqual([]);
  });
});
