import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCS, REPO_ROOT } from '../helpers/docs.ts';

// The documentation a newcomer reads: README.md and docs/*.md. Their relative links must lead somewhere, the
// README must stay short, and nothing the project ships may point at notes outside the repository.

const ROOT = REPO_ROOT;
const THIS_FILE = fileURLToPath(import.meta.url);

/** The text with fenced code blocks and inline code spans blanked out: links and headings in code are not. */
function withoutCode(markdown: string): string {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker) {
      fence = marker;
      lines.push('');
    } else if (fence !== null) {
      if (marker?.startsWith(fence)) fence = null;
      lines.push('');
    } else {
      lines.push(line.replace(/(`+)[\s\S]*?\1/g, ''));
    }
  }
  return lines.join('\n');
}

/** GitHub's heading anchor: lower-case, punctuation other than `-` and `_` dropped, spaces as `-`. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/`/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown file's headings make, with GitHub's `-1`, `-2` suffixes for repeated ones. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence !== null) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

interface Link {
  line: number;
  target: string;
}

/** The targets of `[text](target)` and `![alt](target)` outside code, titles dropped. */
function links(markdown: string): Link[] {
  const out: Link[] = [];
  withoutCode(markdown)
    .split('\n')
    .forEach((text, i) => {
      for (const m of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]*)(?:\s+"[^"]*")?\s*\)/g)) {
        const raw = m[1] ?? '';
        out.push({ line: i + 1, target: raw.startsWith('<') ? raw.slice(1, -1) : raw });
      }
    });
  return out;
}

const isExternal = (target: string) => /^(https?:|mailto:)/i.test(target);

/** Why a relative link does not resolve, or null when it does. */
function brokenLink(file: string, target: string): string | null {
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
  if (!existsSync(resolved)) return `${path} does not exist`;
  if (anchor === null || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) return null;
  const known = anchors(readFileSync(resolved, 'utf8'));
  return known.has(anchor) ? null : `#${anchor} is not a heading of ${relative(ROOT, resolved)}`;
}

/** Every file under `dir` (a path relative to the root), or the file itself, skipping dependencies and builds. */
function filesUnder(dir: string): string[] {
  const start = join(ROOT, dir);
  if (!existsSync(start)) return [];
  if (statSync(start).isFile()) return [start];
  return readdirSync(start, { recursive: true })
    .map(String)
    .filter((f) => !/(^|[\\/])(node_modules|dist)([\\/]|$)/.test(f))
    .map((f) => join(start, f))
    .filter((f) => statSync(f).isFile());
}

describe('the documentation', () => {
  it('finds README.md and the docs', () => {
    expect(DOCS).toContain('README.md');
    expect(DOCS.length).toBeGreaterThan(1);
  });

  it.each(DOCS)('%s: every relative link leads to a file, and every #anchor to a heading', (file) => {
    const markdown = readFileSync(join(ROOT, file), 'utf8');
    const broken = links(markdown)
      .filter((l) => !isExternal(l.target))
      .map((l) => ({ ...l, problem: brokenLink(file, l.target) }))
      .filter((l) => l.problem !== null)
      .map((l) => `${file}:${l.line}: (${l.target}): ${l.problem}`);
    expect(broken).toEqual([]);
  });

  it('README.md has at most 1,600 words (the rest belongs in docs/)', () => {
    const words = readFileSync(join(ROOT, 'README.md'), 'utf8').split(/\s+/).filter(Boolean).length;
    expect(words).toBeLessThanOrEqual(1600);
  });

  it('nothing the project ships points at notes outside the repository', () => {
    // The design notes the project started from, by path or by the name comments used to cite them with.
    const needles = [
      ['..', 'shared', ''].join('/'),
      ['DESIGN', '§'].join(' '),
      // the three notes' file names, put together here so that this file does not name them itself
      ...['DESIGN', ['LOCAL', 'STACK'].join('-'), 'STYLE'].map((name) => [name, 'md'].join('.')),
    ];
    const places = [
      'README.md',
      'docs',
      'src',
      'packages/client/src',
      'lambdas',
      'infra',
      'bench',
      'scripts',
      'test',
      'queries',
    ];
    const offenders = places
      .flatMap(filesUnder)
      .filter((f) => f !== THIS_FILE && needles.some((needle) => readFileSync(f).includes(needle)))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});

describe('githubSlug', () => {
  it('makes the anchors GitHub makes', () => {
    expect(githubSlug('1. Data flow')).toBe('1-data-flow');
    expect(githubSlug('The client: `@tokenledger/client`')).toBe('the-client-tokenledgerclient');
    expect(githubSlug('Once per report, never half a report')).toBe('once-per-report-never-half-a-report');
    expect(githubSlug('Flushing: Lambda and servers')).toBe('flushing-lambda-and-servers');
    expect(githubSlug('snake_case and kebab-case')).toBe('snake_case-and-kebab-case');
  });
});
