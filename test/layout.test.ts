import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * What each part of src/ may import, so dependencies point one way: the pure core at the bottom, the ports
 * (interfaces) over it, adapters and reports over those, jobs composing them, and the entry points (the CLI,
 * the demo; lambdas/ outside src/) on top.
 */
const MAY_IMPORT: Record<string, string[]> = {
  core: ['core'],
  ports: ['core', 'ports'],
  'assets.ts': [],
  config: ['config'],
  queries: ['queries', 'assets.ts'],
  adapters: ['core', 'ports', 'adapters', 'queries', 'assets.ts', 'config'],
  reports: ['core', 'ports', 'reports', 'queries'],
  email: ['core', 'ports', 'reports', 'email'],
  jobs: ['core', 'ports', 'adapters', 'reports', 'email', 'jobs', 'queries', 'assets.ts', 'config'],
  demo: ['core', 'ports', 'adapters', 'reports', 'jobs', 'demo'],
  cli: [
    'core',
    'ports',
    'adapters',
    'reports',
    'email',
    'jobs',
    'demo',
    'queries',
    'assets.ts',
    'config',
    'cli',
  ],
};

/** Packages the pure core must never load: it runs the same under Lambda, the CLI and the tests. */
const NOT_IN_CORE =
  /^(@aws-sdk\/|@aws-lambda-powertools\/|aws-lambda$|@duckdb\/|kinesalite|nodemailer|node:fs)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string);
}

/** The part of src/ a path is in: its first folder, or the file itself at the top. */
const part = (path: string) => relative('src', path).split('/')[0] as string;

describe('the layout of src/', () => {
  const files = sourceFiles('src');

  it('has a rule for every part', () => {
    expect(new Set(files.map(part))).toEqual(new Set(Object.keys(MAY_IMPORT)));
  });

  it('imports only downwards: core ← ports ← adapters/reports ← jobs ← demo/cli, and never lambdas/ or infra/', () => {
    const wrong: string[] = [];
    for (const file of files) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = normalize(join(dirname(file), spec));
        if (!target.startsWith('src/')) {
          wrong.push(`${file} → ${target}`);
          continue;
        }
        if (!(MAY_IMPORT[part(file)] ?? []).includes(part(target))) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the core pure: no AWS, DuckDB, mail, emulator or file-system imports', () => {
    const wrong = files
      .filter((f) => part(f) === 'core')
      .flatMap((f) =>
        imports(f)
          .filter((s) => NOT_IN_CORE.test(s))
          .map((s) => `${f} → ${s}`),
      );
    expect(wrong).toEqual([]);
  });

  it('has one folder per concept: no two folders of src/ share a name', () => {
    const folders = new Map<string, string[]>();
    const walk = (dir: string) => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        folders.set(e.name, [...(folders.get(e.name) ?? []), join(dir, e.name)]);
        walk(join(dir, e.name));
      }
    };
    walk('src');
    expect([...folders.values()].filter((paths) => paths.length > 1)).toEqual([]);
  });
});
