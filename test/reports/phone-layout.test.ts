import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { launchChromium, renderHtml } from '../helpers/chromium.ts';
import { buildDemoLake } from '../helpers/demo-lake.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Managers open the report emails on phones (issue 16 item 6): every report's HTML — what the CLI writes under
// reports/ and what the emails carry — must fit a 400 px viewport (wide tables scroll inside their own box, the page
// does not), and still read on a desktop. Rendered in headless Chromium at 400 and 1100 px; the screenshots are
// written beside the reports for a person to look at.

const MONTH = '2026-10';
let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
let browser: Browser;
const pages: { name: string; html: string }[] = [];

beforeAll(async () => {
  tmp = await tempDir('tokenledger-phone-');
  lake = join(tmp.dir, 'lake');
  await buildDemoLake(lake, tmp.dir, { month: MONTH, requests: 2000 });
  for (const argv of [
    ['report', 'margin', '--month', MONTH, '--email'],
    ['report', 'waste', '--from', `${MONTH}-01`, '--to', '2026-11-01', '--email'],
    ['report', 'governance', '--from', `${MONTH}-01`, '--to', '2026-11-01', '--email'],
    ['report', 'customers', '--month', MONTH, '--email'],
    ['report', 'runs', '--from', `${MONTH}-01`, '--to', '2026-11-01', '--email'],
    // thresholds at 0, so the small month has findings and the alerts email is written
    ['report', 'alerts', '--day', `${MONTH}-18`, '--min-cost', '0', '--critical-cost', '0', '--email'],
  ]) {
    const run = await runCli(...argv, '--lake', lake, '--mail-to', 'finance@example.com');
    expect(run.code, run.stderr).toBe(0);
  }
  for (const file of readdirSync(join(lake, 'reports'), { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.html'))
      pages.push({ name: file, html: readFileSync(join(lake, 'reports', file), 'utf8') });
  }
  for (const file of readdirSync(join(lake, 'outbox')).filter((f) => f.endsWith('.eml'))) {
    const eml = readFileSync(join(lake, 'outbox', file), 'utf8');
    pages.push({ name: `outbox/${file}`, html: emailHtml(eml) });
  }
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await tmp.remove();
});

/** The text/html part of a MIME message the local outbox wrote (quoted-printable or base64). */
function emailHtml(eml: string): string {
  const part =
    /Content-Type: text\/html[^\n]*\r?\n(?:[^\n]+\r?\n)*?Content-Transfer-Encoding: (\S+)\r?\n\r?\n([\s\S]*?)\r?\n--/i.exec(
      eml,
    );
  if (!part) throw new Error('no text/html part');
  const [, encoding, body] = part as unknown as [string, string, string];
  if (encoding.toLowerCase() === 'base64')
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return Buffer.from(
    body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

describe('reports read on a phone', () => {
  it('finds every report page and email', () => {
    const names = pages.map((p) => p.name).join(' ');
    for (const kind of [
      'margin',
      'waste',
      'governance',
      'customers',
      'runs',
      'outbox/margin',
      'outbox/waste',
      'outbox/governance',
      'outbox/customers',
      'outbox/runs',
      'alerts',
      'outbox/alerts',
    ]) {
      expect(names).toContain(kind);
    }
  });

  it.each([400, 1100])('at %i px wide, no page scrolls sideways and every one has ink', async (width) => {
    for (const page of pages) {
      const rendered = await renderHtml(browser, page.html, { width });
      await writeFile(join(tmp.dir, `${page.name.replaceAll('/', '_')}-${width}.png`), rendered.png);
      expect(rendered.scrollWidth, `${page.name} at ${width} px`).toBeLessThanOrEqual(width);
      expect(rendered.height, page.name).toBeGreaterThan(200);
      expect(rendered.blockedRequests).toEqual([]);
    }
  });
});
