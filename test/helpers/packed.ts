import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root, where `npm pack` builds both packages. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** npm with nothing of the user's own set-up that could change an install: no notifier, audit or funding calls. */
const NPM_ENV = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_loglevel: 'warn',
};

/**
 * The machine's own Node: the first `node` on PATH outside any node_modules. npm scripts run the repository on
 * the Node 24 of the `node` devDependency (the Lambda runtime's); the published packages promise Node 20 and
 * later, so their installed copies are run on this one, which is Node 20 here and in CI.
 */
export function systemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || dir.split(sep).includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

export interface Tarballs {
  /** `@tokenledger/client`'s tarball. */
  client: string;
  /** `tokenledger`'s (the CLI) tarball. */
  cli: string;
}

/**
 * `npm pack`s both published packages into `dir`, as a release would, from what `npm run build` last built
 * (`npm test` and `npm run bench` build first). Packing skips the packages' `prepare`: rebuilding dist/ here
 * would pull it from under the tests that run the CLI at the same time.
 */
export async function packBoth(dir: string): Promise<Tarballs> {
  const pack = async (args: string[]) => {
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ...args],
      {
        cwd: REPO_ROOT,
        env: NPM_ENV,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    // npm prints the build's own output before the JSON array: read from the array on.
    const [first] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as { filename: string }[];
    if (!first) throw new Error(`npm pack ${args.join(' ')} printed no file: ${stdout}`);
    return join(dir, first.filename);
  };
  return { client: await pack(['--workspace', '@tokenledger/client']), cli: await pack([]) };
}

/** A new app folder (an ESM package.json and nothing else) with `tarball` installed, as `npm install FILE` does. */
export async function installInto(dir: string, tarball: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  await run('npm', ['install', '--no-package-lock', tarball], {
    cwd: dir,
    env: NPM_ENV,
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface Footprint {
  /** Packages under node_modules (scoped ones counted one by one). */
  packages: number;
  /** Bytes of every file under node_modules. */
  bytes: number;
}

/** What an install put in `dir`/node_modules. */
export async function footprint(dir: string): Promise<Footprint> {
  const modules = join(dir, 'node_modules');
  let packages = 0;
  for (const entry of await readdir(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    packages += entry.name.startsWith('@') ? (await readdir(join(modules, entry.name))).length : 1;
  }
  return { packages, bytes: await bytesUnder(modules) };
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesUnder(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}
