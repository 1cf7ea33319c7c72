// Renders an HTML file (e.g. a report email) to a PNG in headless Chromium, the way the tests do: no network,
// no scripts, one CSS pixel per image pixel, as tall as the content. Used for the screenshots in README.md and docs/.
//
//   npx tsx scripts/screenshot-html.ts IN.html OUT.png [--width 800]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { inkShare, launchChromium, renderHtml, saveScreenshot } from '../test/helpers/chromium.ts';

const usage = 'usage: npx tsx scripts/screenshot-html.ts IN.html OUT.png [--width 800]';
const { values, positionals } = parseArgs({
  options: { width: { type: 'string', default: '800' } },
  allowPositionals: true,
});
const [input, output] = positionals;
const width = Number(values.width);
if (!input || !output || positionals.length !== 2 || !Number.isInteger(width) || width <= 0) {
  console.error(usage);
  process.exit(2);
}

const html = await readFile(input, 'utf8');
const browser = await launchChromium();
try {
  const { png, blockedRequests, height } = await renderHtml(browser, html, { width });
  const ink = await inkShare(browser, png);
  await saveScreenshot(png, output);
  console.log(
    `${output}: ${width}×${height}, ${(ink.share * 100).toFixed(1)}% ink, ${ink.distinctColours} colours, ` +
      `${blockedRequests.length} remote request(s) blocked`,
  );
  for (const url of blockedRequests) console.log(`  blocked ${url}`);
  if (ink.share === 0) console.warn('warning: the screenshot is blank');
} finally {
  await browser.close();
}
