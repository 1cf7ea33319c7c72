import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasColour, inkShare, launchChromium, pngSize, renderHtml } from './chromium.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

describe('chromium helper', { timeout: 120_000 }, () => {
  it('a blank page has no ink, and is only as tall as its content', async () => {
    const { png, blockedRequests, height } = await renderHtml(
      browser,
      '<!doctype html><html><body></body></html>',
    );
    const ink = await inkShare(browser, png);
    expect(pngSize(png)).toEqual({ width: 800, height });
    expect(height).toBeLessThan(50);
    expect(ink.share).toBe(0);
    expect(ink.distinctColours).toBe(0);
    expect(blockedRequests).toEqual([]);
  });

  it('a table and a coloured block have ink, and the block colour is there', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => `<tr><td>feature-${i}</td><td>$${i * 12}.50</td></tr>`);
    const html = `<!doctype html><html><body style="font-family: sans-serif">
      <table border="1" cellpadding="6" style="border-collapse: collapse">${rows.join('')}</table>
      <div style="width: 300px; height: 120px; background: #3366cc"></div>
      <div style="width: 150px; height: 120px; background: #e4572e"></div>
    </body></html>`;
    const { png, blockedRequests, height } = await renderHtml(browser, html, { width: 640 });
    const ink = await inkShare(browser, png);
    expect(ink.width).toBe(640);
    expect(ink.height).toBe(height);
    expect(height).toBeGreaterThan(240);
    // The two blocks alone are 300×120 + 150×120 pixels.
    expect(ink.inkPixels).toBeGreaterThan(300 * 120 + 150 * 120);
    expect(ink.share).toBeGreaterThan(0.1);
    expect(hasColour(ink, '#3366cc', { minPixels: 300 * 120 })).toBe(true);
    expect(hasColour(ink, '#e4572e', { minPixels: 150 * 120 })).toBe(true);
    expect(hasColour(ink, '#2ca02c')).toBe(false);
    expect(ink.distinctColours).toBeGreaterThanOrEqual(3); // blue, orange, text/borders
    expect(blockedRequests).toEqual([]);
  });

  it('blocks remote requests and lists them; data: images still load', async () => {
    const green = await renderHtml(
      browser,
      '<body style="margin: 0"><div style="height: 40px; background: #2ca02c"></div></body>',
      {
        width: 60,
      },
    );
    const html = `<!doctype html><html><head><link rel="stylesheet" href="https://cdn.example.com/mail.css"></head>
      <body><img src="https://example.com/x.png" alt="chart" width="200" height="100">
      <img src="data:image/png;base64,${green.png.toString('base64')}"></body></html>`;
    const { png, blockedRequests } = await renderHtml(browser, html);
    expect(blockedRequests).toContain('https://example.com/x.png');
    expect(blockedRequests).toContain('https://cdn.example.com/mail.css');
    expect(blockedRequests).toHaveLength(2);
    expect(hasColour(await inkShare(browser, png), '#2ca02c', { minPixels: 60 * 40 })).toBe(true);
  });

  it('does not run scripts, as mail clients do not', async () => {
    const html = '<body><script>document.body.style.background = "#000000"</script></body>';
    const { png } = await renderHtml(browser, html);
    expect((await inkShare(browser, png)).share).toBe(0);
  });
});
