import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The system's Chromium (Debian's `chromium` package), used when present. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * Headless Chromium for rendering HTML; close it when done (`await browser.close()`). The system's Chromium
 * when there is one, else the one the `@sparticuz/chromium` devDependency ships inside its npm package
 * (unpacked to the temp folder on first use): `npm install` is all a machine needs, and playwright-core
 * never downloads a browser.
 */
export async function launchChromium(): Promise<Browser> {
  if (existsSync(SYSTEM_CHROMIUM)) {
    return chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  // Its own flag list has --single-process, which closes the browser when a second context opens: the same
  // flags as the system's Chromium serve.
  return chromium.launch({
    executablePath: await packaged.executablePath(),
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

export interface Rendered {
  /** Screenshot of the whole page, one pixel per CSS pixel. */
  png: Buffer;
  /** Every URL the page asked for other than data: and about: — each was aborted, so none loaded. */
  blockedRequests: string[];
  /** Height of the rendered page in CSS pixels (the PNG's height): the content's, not a viewport's. */
  height: number;
  /**
   * Width of the page's content in CSS pixels (`scrollWidth`): more than the viewport's `width` when something
   * makes the whole page scroll sideways.
   */
  scrollWidth: number;
}

/**
 * Renders HTML the way a mail client with remote images off shows it: no network (every request that is
 * not data: or about: is aborted and listed) and no scripts, `width` CSS pixels wide. The page is laid out in
 * a 1px-tall viewport, so the screenshot is exactly as tall as the content (no viewport-height padding).
 */
export async function renderHtml(
  browser: Browser,
  html: string,
  { width = 800 }: { width?: number } = {},
): Promise<Rendered> {
  const context = await browser.newContext({
    viewport: { width, height: 1 },
    deviceScaleFactor: 1,
    javaScriptEnabled: false,
  });
  try {
    const blockedRequests: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('data:') || url.startsWith('about:')) return route.continue();
      blockedRequests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    // Laid out 1px tall, the document is as tall as its content. A viewport that tall screenshots in about
    // half the time of a full-page capture; full page only if the content grew with the viewport (vh units).
    const contentHeight = await page.evaluate(scrollHeight);
    await page.setViewportSize({ width, height: Math.max(1, contentHeight) });
    const grew = (await page.evaluate(scrollHeight)) > contentHeight;
    const png = await screenshot(page, grew);
    const pageWidth = await page.evaluate(scrollWidth);
    return { png, blockedRequests, height: pngSize(png).height, scrollWidth: pageWidth };
  } finally {
    await context.close();
  }
}

/**
 * Chromium now and then refuses a capture ("Unable to capture screenshot", seen here on the first render
 * after a cold start) and takes the same picture when asked again; retry that error once.
 */
async function screenshot(page: Page, fullPage: boolean): Promise<Buffer> {
  try {
    return await page.screenshot({ fullPage, type: 'png' });
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('Unable to capture screenshot')) throw error;
    await sleep(250);
    return page.screenshot({ fullPage, type: 'png' });
  }
}

export interface Ink {
  width: number;
  height: number;
  /** Pixels whose R, G or B is more than `tolerance` below 255. */
  inkPixels: number;
  /** inkPixels / all pixels, 0..1. */
  share: number;
  /** Colour buckets (3 bits per channel) holding at least `minColourPixels` ink pixels. */
  distinctColours: number;
  /** Every bucket that has ink, most pixels first; `colour` is the mean colour of the bucket's pixels. */
  colours: { colour: string; pixels: number }[];
}

export interface InkOptions {
  /** How far below white (0-255, per channel) a pixel must be to count as ink. Default 16. */
  tolerance?: number;
  /** Buckets with fewer pixels (anti-aliasing fringes) are not counted in distinctColours. Default 25. */
  minColourPixels?: number;
}

/** What the page computes: per bucket, pixel count and channel sums. */
interface PageInk {
  width: number;
  height: number;
  inkPixels: number;
  buckets: { bucket: number; pixels: number; r: number; g: number; b: number }[];
}

/** Just enough of the DOM for countInk, since the project's TypeScript lib has no DOM types. */
interface PageGlobals {
  Image: new () => { src: string; naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(
        id: '2d',
        options: { willReadFrequently: boolean },
      ): {
        fillStyle: string;
        fillRect(x: number, y: number, w: number, h: number): void;
        drawImage(image: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      } | null;
    };
  };
}

/** Runs in the page (see countInk). */
const scrollWidth = (): number =>
  (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
    .documentElement.scrollWidth;

const scrollHeight = (): number =>
  (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document
    .documentElement.scrollHeight;

/**
 * Runs in the page, serialised by Playwright: it must not use anything from this module, nor declare
 * named inner functions (tsx's keepNames would wrap them in a __name() the page does not have).
 */
const countInk = async ({ dataUrl, tolerance }: { dataUrl: string; tolerance: number }): Promise<PageInk> => {
  const { Image, document } = globalThis as unknown as PageGlobals;
  const img = new Image();
  img.src = dataUrl;
  await img.decode();
  const width = img.naturalWidth;
  const height = img.naturalHeight;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2d canvas context');
  ctx.fillStyle = '#ffffff'; // transparent pixels count as the white they show on
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, width, height).data;
  const pixels = new Uint32Array(512);
  const sums = new Float64Array(512 * 3);
  const darkest = 255 - tolerance;
  let inkPixels = 0;
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i] as number;
    const g = data[i + 1] as number;
    const b = data[i + 2] as number;
    if (r >= darkest && g >= darkest && b >= darkest) continue;
    inkPixels++;
    const bucket = ((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5);
    pixels[bucket] = (pixels[bucket] as number) + 1;
    sums[bucket * 3] = (sums[bucket * 3] as number) + r;
    sums[bucket * 3 + 1] = (sums[bucket * 3 + 1] as number) + g;
    sums[bucket * 3 + 2] = (sums[bucket * 3 + 2] as number) + b;
  }
  const buckets: PageInk['buckets'] = [];
  for (let bucket = 0; bucket < 512; bucket++) {
    const n = pixels[bucket] as number;
    if (n > 0) {
      buckets.push({
        bucket,
        pixels: n,
        r: sums[bucket * 3] as number,
        g: sums[bucket * 3 + 1] as number,
        b: sums[bucket * 3 + 2] as number,
      });
    }
  }
  return { width, height, inkPixels, buckets };
};

/**
 * How much of a PNG is not (near-)white, and which colours it has, measured by drawing it on a canvas in
 * a blank page of `browser` (no PNG decoder dependency). Calls may run concurrently.
 */
export async function inkShare(
  browser: Browser,
  png: Buffer,
  { tolerance = 16, minColourPixels = 25 }: InkOptions = {},
): Promise<Ink> {
  const page = await inkPage(browser);
  const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
  const { width, height, inkPixels, buckets } = await page.evaluate(countInk, { dataUrl, tolerance });
  const colours = buckets
    .map(({ pixels, r, g, b }) => ({ colour: hex(r / pixels, g / pixels, b / pixels), pixels }))
    .sort((x, y) => y.pixels - x.pixels);
  return {
    width,
    height,
    inkPixels,
    share: width * height === 0 ? 0 : inkPixels / (width * height),
    distinctColours: colours.filter((c) => c.pixels >= minColourPixels).length,
    colours,
  };
}

/** One blank page per browser for inkShare, kept open (a new page costs about half a second here). */
const inkPages = new WeakMap<Browser, Promise<Page>>();
async function inkPage(browser: Browser): Promise<Page> {
  const cached = inkPages.get(browser);
  if (cached) {
    const page = await cached.catch(() => undefined);
    if (page && !page.isClosed()) return page;
  }
  const fresh = browser.newPage();
  inkPages.set(browser, fresh);
  return fresh;
}

/**
 * Whether the image has at least `minPixels` ink pixels of about `colour` ('#rrggbb'): summed over the
 * buckets whose mean colour is within `near` of it on every channel.
 */
export function hasColour(ink: Ink, colour: string, { minPixels = 25, near = 24 } = {}): boolean {
  const want = rgb(colour);
  const pixels = ink.colours
    .filter((c) => rgb(c.colour).every((v, i) => Math.abs(v - (want[i] as number)) <= near))
    .reduce((sum, c) => sum + c.pixels, 0);
  return pixels >= minPixels;
}

/** Writes a PNG (e.g. a README screenshot), creating its directory. */
export async function saveScreenshot(png: Buffer, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, png);
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

function rgb(colour: string): number[] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) throw new Error(`expected a colour like #3366cc, got ${colour}`);
  return [m[1], m[2], m[3]].map((h) => Number.parseInt(h as string, 16));
}
