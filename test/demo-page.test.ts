import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreviewServer } from 'astro';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewAstro } from './support/astro-preview.js';
import { launchChromium } from './support/browser.js';
import { copyFixture } from './support/fixtures.js';

// The demo blog (`npm run demo` without a key: offline placeholder art) as a reader's
// browser shows it: every header arrives, and nothing on the page moves when it does.
// Images are held back a moment on their way to the page, so that they arrive after the
// first paint, when a box without a size would make the text below it jump.
// Astro builds under vitest need NODE_ENV unset (vitest sets it to "test").
const IMAGE_DELAY_MS = 300;
const savedNodeEnv = process.env.NODE_ENV;

let site: Awaited<ReturnType<typeof copyFixture>> | undefined;
let server: PreviewServer | undefined;
let browser: Browser | undefined;
let origin: string;
let slugs: string[];

beforeAll(async () => {
  delete process.env.NODE_ENV;
  site = await copyFixture('astro-blog', { env: { HEADERFORGE_MODE: 'placeholder' } });
  const { build } = await import('astro');
  await build({ root: site.dir, logLevel: 'error' });
  slugs = (await readdir(join(site.dir, 'src', 'content', 'blog')))
    .map((file) => file.replace(/\.mdx?$/, ''))
    .sort();
  // A page whose image has no width and height: the shift the check must be able to see.
  const header = (await readdir(join(site.dir, 'dist', '_astro'))).find((file) =>
    file.endsWith('.jpg'),
  );
  await writeFile(
    join(site.dir, 'dist', 'shift-check.html'),
    `<!doctype html><meta charset="utf-8"><img src="/_astro/${header}" alt=""><p>Text below the image.</p>`,
  );
  ({ server, origin } = await previewAstro(site.dir));
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await site?.remove();
  process.env.NODE_ENV = savedNodeEnv;
});

interface Shown {
  images: { src: string; loaded: boolean; width: string | null; height: string | null }[];
  /** The page's cumulative layout shift: the sum of its `layout-shift` entries. */
  shift: number;
  background: string;
}

/** The slice of the browser's globals read here (the type-check has no DOM lib). */
interface LayoutShift {
  value: number;
  hadRecentInput: boolean;
}
interface ShiftObserver {
  observe(options: { type: 'layout-shift'; buffered: boolean }): void;
  takeRecords(): LayoutShift[];
}
interface BrowserGlobals {
  shift: number;
  shiftObserver: ShiftObserver;
  PerformanceObserver: new (
    callback: (list: { getEntries(): LayoutShift[] }) => void,
  ) => ShiftObserver;
  requestAnimationFrame(callback: () => void): void;
  getComputedStyle(element: unknown): { backgroundColor: string };
  document: {
    body: unknown;
    images: ArrayLike<{
      currentSrc: string;
      complete: boolean;
      naturalWidth: number;
      getAttribute(name: string): string | null;
    }>;
  };
}

/**
 * Opens `path` in a viewport tall enough that every image is in view (so lazy ones load
 * too), waits for every image, and reads what the page showed.
 */
async function show(path: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Shown> {
  const page: Page = await (browser as Browser).newPage({
    viewport: { width: 1280, height: 2400 },
    colorScheme,
  });
  try {
    await page.route('**/*', async (route) => {
      if (route.request().resourceType() === 'image') {
        await new Promise((settle) => setTimeout(settle, IMAGE_DELAY_MS));
      }
      await route.continue();
    });
    // Counts every layout shift from the first paint on; scrolling and input are not shifts.
    await page.addInitScript(() => {
      const window = globalThis as unknown as BrowserGlobals;
      window.shift = 0;
      window.shiftObserver = new window.PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          if (!entry.hadRecentInput) window.shift += entry.value;
      });
      window.shiftObserver.observe({ type: 'layout-shift', buffered: true });
    });
    const response = await page.goto(`${origin}${path}`);
    expect(response?.status(), `GET ${path}`).toBe(200);
    await page.waitForFunction(
      () =>
        Array.from((globalThis as unknown as BrowserGlobals).document.images).every(
          (image) => image.complete,
        ),
      undefined,
      { timeout: 30_000, polling: 100 },
    );
    return await page.evaluate(async () => {
      const window = globalThis as unknown as BrowserGlobals;
      // Two frames, so that a shift caused by the last image is laid out and reported.
      await new Promise<void>((settle) =>
        window.requestAnimationFrame(() => window.requestAnimationFrame(settle)),
      );
      for (const entry of window.shiftObserver.takeRecords()) {
        if (!entry.hadRecentInput) window.shift += entry.value;
      }
      return {
        images: Array.from(window.document.images).map((image) => ({
          src: image.currentSrc,
          loaded: image.complete && image.naturalWidth > 0,
          width: image.getAttribute('width'),
          height: image.getAttribute('height'),
        })),
        shift: window.shift,
        background: window.getComputedStyle(window.document.body).backgroundColor,
      };
    });
  } finally {
    await page.close();
  }
}

function expectSteady(path: string, shown: Shown) {
  for (const image of shown.images) {
    expect(image.loaded, `${path}: ${image.src} loaded`).toBe(true);
    expect(image.width, `${path}: ${image.src} has a width`).toMatch(/^\d+$/);
    expect(image.height, `${path}: ${image.src} has a height`).toMatch(/^\d+$/);
  }
  expect(shown.shift, `${path}: layout shift while images arrived`).toBe(0);
}

describe('the demo blog in Chromium', () => {
  it('loads every header on the home page, and nothing moves when they arrive', {
    timeout: 60_000,
  }, async () => {
    const home = await show('/');
    expect(home.images, 'one header per post').toHaveLength(slugs.length);
    expectSteady('/', home);
  });

  it('post pages show the header and the social card, without layout shift', {
    timeout: 60_000,
  }, async () => {
    for (const slug of slugs) {
      const path = `/blog/${slug}/`;
      const post = await show(path);
      expect(post.images, `${path}: the header and the social card`).toHaveLength(2);
      // The social card, a title card by default, shown at its own size.
      expect(
        post.images.some(
          (image) => /\.jpg$/.test(image.src) && image.width === '1200' && image.height === '630',
        ),
        `${path}: the 1200×630 card`,
      ).toBe(true);
      expectSteady(path, post);
    }
  });

  it('has a dark theme', { timeout: 60_000 }, async () => {
    const light = await show('/', 'light');
    const dark = await show('/', 'dark');
    expect(dark.background).not.toBe(light.background);
    expectSteady('/ (dark)', dark);
  });

  it('would see a shift: an image without width and height moves the text below it', {
    timeout: 60_000,
  }, async () => {
    const shown = await show('/shift-check.html');
    expect(shown.images[0]?.loaded).toBe(true);
    expect(shown.shift).toBeGreaterThan(0);
  });
});
