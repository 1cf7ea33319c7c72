import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { footprint, installInto, packBoth } from '../test/helpers/packed.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';
import { type BenchResult, result } from './measure.ts';

const run = promisify(execFile);
const STARTS = 21;

/** Median wall time of `STARTS` runs of a command, in ms. */
async function medianStart(file: string, args: string[], cwd: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t = performance.now();
    await run(file, args, { cwd });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/**
 * What users install, from the packed tarballs: the client's footprint in an empty app against the CLI
 * package's (which is what the client dragged in before it was a package of its own), and the installed
 * CLI's `--help` start time against Node starting an empty script.
 */
export async function installBenchmarks(): Promise<{ results: BenchResult[]; notes: string[] }> {
  const tmp = await tempDir('tokenledger-install-bench-');
  try {
    const tarballs = await packBoth(tmp.dir);
    const clientApp = join(tmp.dir, 'client-app');
    const cliApp = join(tmp.dir, 'cli-app');
    await mkdir(clientApp);
    await mkdir(cliApp);
    await installInto(clientApp, tarballs.client);
    await installInto(cliApp, tarballs.cli);
    const client = await footprint(clientApp);
    const cli = await footprint(cliApp);
    const bin = join(cliApp, 'node_modules/.bin/tokenledger');
    const nodeStart = await medianStart(process.execPath, ['-e', '0'], cliApp);
    const helpStart = await medianStart(bin, ['--help'], cliApp);
    return {
      results: [
        result('client install: packages', client.packages, 'packages', 'CLI install', cli.packages),
        result('client install: size', client.bytes / 1024, 'kB', 'CLI install', cli.bytes / 1024),
        result('installed CLI --help start (median)', helpStart, 'ms', 'node -e 0', nodeStart),
      ],
      notes: [
        `Installed from \`npm pack\` tarballs into empty folders: @tokenledger/client ${client.packages} package(s), ${Math.round(client.bytes / 1024)} kB; tokenledger (CLI) ${cli.packages} packages, ${Math.round(cli.bytes / 1024 / 1024)} MB.`,
        `tokenledger --help: median of ${STARTS} starts ${helpStart.toFixed(0)} ms, against ${nodeStart.toFixed(0)} ms for node -e 0 (goal ≤ 300 ms).`,
      ],
    };
  } finally {
    await tmp.remove();
  }
}
