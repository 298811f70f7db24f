import { mkdir, readdir } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import type { PreviewServer } from 'astro';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { previewAstro } from './support/astro-preview.js';
import { launchChromium } from './support/browser.js';
import { copyFixture, exists } from './support/fixtures.js';

// The built fixture as a reader sees it: Astro's own preview server, Debian's Chromium.
// Astro builds under vitest need NODE_ENV unset (vitest sets it to "test").
const SENTINEL = 'sk-or-v1-test-sentinel-astro-e2e-0123456789';
const SITE = 'https://blog.example.com';
const collections = ['blog', 'notes'] as const;
type Collection = (typeof collections)[number];
const screenshots = join(import.meta.dirname, '..', 'test-results', 'screenshots');
const savedNodeEnv = process.env.NODE_ENV;

let fake: FakeOpenRouter | undefined;
let site: Awaited<ReturnType<typeof copyFixture>> | undefined;
let server: PreviewServer | undefined;
let browser: Browser | undefined;
let origin: string;
// Built pages per collection, from `dist/<collection>/<slug>/index.html`: `blog` pages use
// the fixture's <Picture> hero, `notes` pages are written like Astro's blog template.
let built: Record<Collection, string[]>;
// Console errors, uncaught exceptions and failed or off-site requests, per test.
let problems: string[] = [];

beforeAll(async () => {
  delete process.env.NODE_ENV;
  fake = await startFakeOpenRouter({ apiKey: SENTINEL });
  site = await copyFixture('astro-blog', {
    env: { OPENROUTER_API_KEY: SENTINEL, OPENROUTER_BASE_URL: fake.baseURL },
  });
  const { build } = await import('astro');
  await build({ root: site.dir, logLevel: 'error' });
  const dist = join(site.dir, 'dist');
  built = { blog: await builtSlugs(dist, 'blog'), notes: await builtSlugs(dist, 'notes') };

  ({ server, origin } = await previewAstro(site.dir));

  browser = await launchChromium();
  await mkdir(screenshots, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
  await site?.remove();
  process.env.NODE_ENV = savedNodeEnv;
});

beforeEach(() => {
  problems = [];
});

async function builtSlugs(dist: string, collection: Collection): Promise<string[]> {
  const entries = await readdir(join(dist, collection), { withFileTypes: true });
  const dirs = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const pages = await Promise.all(
    dirs.map((dir) => exists(join(dist, collection, dir, 'index.html'))),
  );
  return dirs.filter((_, i) => pages[i]).sort();
}

async function sourceSlugs(collection: Collection): Promise<string[]> {
  const files = await readdir(join(site?.dir as string, 'src', 'content', collection));
  return files.map((file) => parse(file).name).sort();
}

async function open(path: string): Promise<Page> {
  const page = await (browser as Browser).newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`${path}: console error: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`${path}: uncaught: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`${path}: request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && url.origin !== origin) {
      problems.push(`${path}: off-site request: ${request.url()}`);
    }
  });
  const response = await page.goto(`${origin}${path}`);
  expect(response?.status(), `GET ${path}`).toBe(200);
  return page;
}

interface HeroImage {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
  clientWidth: number;
  clientHeight: number;
  alt: string;
  src: string;
  /** `data-headerforge-placeholder` from the fixture's Hero component; null on notes pages. */
  placeholder: string | null;
}

/** The slice of the DOM's HTMLImageElement read here (the type-check has no DOM lib). */
interface ImageElement extends Omit<HeroImage, 'src' | 'placeholder'> {
  currentSrc: string;
  getAttribute(name: string): string | null;
  addEventListener(type: 'load' | 'error', listener: () => void, options: { once: true }): void;
}

/**
 * Each header image on the page (a <Picture>'s <img>, or a template's plain `img.hero`),
 * scrolled into view and waited for: all but the first are lazy.
 */
async function heroImages(page: Page): Promise<HeroImage[]> {
  const images: HeroImage[] = [];
  for (const img of await page.locator('picture img, img.hero').all()) {
    await img.scrollIntoViewIfNeeded();
    images.push(
      await img.evaluate(async (el: ImageElement) => {
        if (!el.complete) {
          await new Promise<void>((settle) => {
            el.addEventListener('load', settle, { once: true });
            el.addEventListener('error', settle, { once: true });
          });
        }
        return {
          complete: el.complete,
          naturalWidth: el.naturalWidth,
          naturalHeight: el.naturalHeight,
          clientWidth: el.clientWidth,
          clientHeight: el.clientHeight,
          alt: el.alt,
          src: el.currentSrc,
          placeholder: el.getAttribute('data-headerforge-placeholder'),
        };
      }),
    );
  }
  return images;
}

const offBy = (ratio: number) => Math.abs(ratio - 16 / 9) / (16 / 9);

function expectHeroLooksRight(where: string, image: HeroImage, placeholder: string | null) {
  const label = `${where} ${image.src}`;
  expect(image.placeholder, `${label} data-headerforge-placeholder`).toBe(placeholder);
  expect(image.complete && image.naturalWidth > 0, `${label} loaded`).toBe(true);
  expect(offBy(image.clientWidth / image.clientHeight), `${label} renders at 16:9`).toBeLessThan(
    0.01,
  );
  expect(offBy(image.naturalWidth / image.naturalHeight), `${label} is 16:9`).toBeLessThan(0.01);
  expect(image.alt.trim(), `${label} alt text`).not.toBe('');
}

describe('fixtures/astro-blog, previewed in Chromium', () => {
  it('built a page for every entry, with generated (not placeholder) headers', async () => {
    for (const collection of collections) {
      expect(built[collection], collection).toEqual(await sourceSlugs(collection));
    }
    expect(fake?.generations()).toHaveLength(built.blog.length + built.notes.length);
  });

  it('shows every header image, loaded, at 16:9, with alt text', { timeout: 120_000 }, async () => {
    const index = await open('/');
    const onIndex = await heroImages(index);
    expect(onIndex, 'one header per blog post on the index').toHaveLength(built.blog.length);
    for (const image of onIndex) expectHeroLooksRight('/', image, 'false');
    await index.screenshot({ path: join(screenshots, 'astro-blog-index.png'), fullPage: true });
    await index.close();

    for (const collection of collections) {
      for (const slug of built[collection]) {
        const path = `/${collection}/${slug}/`;
        const post = await open(path);
        const onPost = await heroImages(post);
        expect(onPost, `one header on ${path}`).toHaveLength(1);
        for (const image of onPost) {
          expectHeroLooksRight(path, image, collection === 'blog' ? 'false' : null);
        }
        if (collection === 'blog' && slug === built.blog[0]) {
          await post.screenshot({ path: join(screenshots, 'astro-blog-post.png'), fullPage: true });
        }
        await post.close();
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("each blog post's og:image is a 1200×630 image at its site URL, with its size, alt and twitter:card", {
    timeout: 60_000,
  }, async () => {
    for (const slug of built.blog) {
      const path = `/blog/${slug}/`;
      const post = await open(path);
      const content = await post.locator('meta[property="og:image"]').getAttribute('content');
      const meta = async (selector: string) =>
        post.locator(`meta[${selector}]`).getAttribute('content');
      // What crawlers read beside the image: its size, its alt text, the large card.
      expect(await meta('property="og:image:width"'), path).toBe('1200');
      expect(await meta('property="og:image:height"'), path).toBe('630');
      expect(await meta('property="og:image:alt"'), path).toMatch(/\S/);
      expect(await meta('name="twitter:card"'), path).toBe('summary_large_image');
      await post.close();
      expect(content, `og:image on ${path}`).toMatch(/^https:\/\/blog\.example\.com\/\S+$/);
      const card = new URL(content as string);
      expect(card.origin).toBe(SITE);

      const response = await fetch(`${origin}${card.pathname}`);
      expect(response.status, `GET ${card.pathname}`).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\//);
      const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([width, height], card.pathname).toEqual([1200, 630]);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
