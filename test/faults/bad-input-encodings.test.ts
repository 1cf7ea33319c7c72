/**
 * Issue 6, case 9 — bad input, the encodings and empty files: every input format of the CLI × empty, blank,
 * UTF-16 (both byte orders, with a BOM), UTF-8 with a BOM (accepted: Excel writes one), a byte that is not
 * UTF-8, and UTF-16 without a BOM. A refused file exits 1 naming the file and leaves the lake as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventCounts,
  expectBounded,
  expectRefused,
  FaultLake,
  FORMATS,
  type InputFormat,
  latin1On,
  type Names,
  nextSeed,
  utf8Bom,
  utf16be,
  utf16le,
} from './fault-kit.ts';

let lake: FaultLake;
beforeAll(async () => {
  lake = await FaultLake.create('encodings');
  await lake.seed();
});
afterAll(async () => {
  await lake.remove();
});

/** What each format says about a file without content. */
function emptySays(format: InputFormat): Names {
  switch (format.name) {
    case 'events':
    case 'events --strict':
      return { says: /holds no events \(the file is empty\)/ };
    case 'prompts':
      return { says: /holds no records \(the file is empty\)/ };
    case 'prices':
    case 'revenue':
      return { position: 'line 1', says: /no rows/ };
    default:
      return { position: 'line 1', field: '(file)', says: /the file is empty/ };
  }
}

interface Refusal {
  fault: string;
  body: (format: InputFormat) => Buffer | string;
  names: (format: InputFormat) => Names;
}

const REFUSALS: Refusal[] = [
  { fault: 'an empty file (0 bytes)', body: () => '', names: emptySays },
  { fault: 'a file of blank lines only', body: () => ' \n\t\r\n   \n', names: emptySays },
  {
    fault: 'UTF-16LE with a BOM',
    body: (f) => utf16le(f.valid(nextSeed())),
    names: () => ({ says: /is UTF-16 encoded; save it as UTF-8/ }),
  },
  {
    fault: 'UTF-16BE with a BOM',
    body: (f) => utf16be(f.valid(nextSeed())),
    names: () => ({ says: /is UTF-16 encoded; save it as UTF-8/ }),
  },
  {
    fault: 'a Latin-1 byte on line 2 (1 for one-line JSON)',
    body: (f) => {
      const text = f.valid(nextSeed());
      return latin1On(text, text.trimEnd().includes('\n') ? 2 : 1);
    },
    names: (f) => ({ says: f.ext === 'json' ? /line 1: not valid UTF-8/ : /line 2: not valid UTF-8/ }),
  },
];

describe.each(FORMATS.map((f) => [f.name, f] as const))('%s', (_name, format) => {
  it.each(REFUSALS)(
    `${format.name}: $fault → exit 1 naming the file, lake unchanged`,
    async ({ body, names }) => {
      // Prepare
      const file = lake.file(format.ext, body(format));
      const before = lake.snapshot();

      // Act
      const run = await lake.run(...format.argv(file));

      // Assess
      expectRefused(run, file, before, lake.snapshot(), names(format));
      expectBounded(run);
    },
  );

  it(`${format.name}: UTF-8 with a BOM and CRLF line ends (as Excel saves) → accepted, every row stored`, async () => {
    // Prepare
    const seed = nextSeed();
    const file = lake.file(format.ext, utf8Bom(format.valid(seed, 3).replaceAll('\n', '\r\n')));
    const before = format.name.startsWith('events') ? await eventCounts(lake) : null;

    // Act
    const run = await lake.run(...format.argv(file));

    // Assess
    expect(run.code, run.stderr).toBe(0);
    if (before) {
      expect(await eventCounts(lake)).toEqual({ events: before.events + 3, quarantined: before.quarantined });
    } else {
      expect(await format.stored(lake, file, seed)).toBe(3);
    }
  });

  // Was a gap (src/cli/input.ts:readText): UTF-16 without a byte order mark is valid UTF-8 (every other byte
  // is NUL), so it was not recognised (CSV field names full of NULs, JSON syntax errors, and `ingest events`
  // quarantining every line). readText now refuses text holding NUL bytes — no UTF-8 text file of these
  // formats has one — saying it looks like UTF-16.
  it(`${format.name}: UTF-16LE without a BOM → exit 1 saying it looks like UTF-16, lake unchanged`, async () => {
    // Prepare
    const file = lake.file(format.ext, utf16le(format.valid(nextSeed()), false));
    const before = lake.snapshot();

    // Act
    const run = await lake.run(...format.argv(file));

    // Assess
    expectRefused(run, file, before, lake.snapshot(), { says: /looks like UTF-16 .*; save it as UTF-8$/m });
    expectBounded(run);
  });

  it(`${format.name}: a NUL byte in UTF-8 text on line 2 (1 for one-line JSON) → exit 1 naming the file and the line, lake unchanged`, async () => {
    // Prepare
    const text = format.valid(nextSeed(), 3);
    const line = text.trimEnd().includes('\n') ? 2 : 1;
    const cut = line === 2 ? text.indexOf('\n') + 3 : 3;
    const file = lake.file(format.ext, `${text.slice(0, cut)}\u0000${text.slice(cut)}`);
    const before = lake.snapshot();

    // Act
    const run = await lake.run(...format.argv(file));

    // Assess
    expectRefused(run, file, before, lake.snapshot(), {
      says: new RegExp(`: line ${line}: holds a NUL byte`),
    });
    expectBounded(run);
  });
});
