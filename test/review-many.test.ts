import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { makeSite } from './support/fixtures.js';
import { until } from './support/until.js';

// The review page of a site with hundreds of posts and no API key, as an author opens it
// locally for the first time: every post listed, offline placeholders, and the page says
// how to set the key.
const POSTS = 300;
const saved = {
  CI: process.env.CI,
  OPENROUTER_API_KEY: process.env.OPENROUTER_API_KEY,
  HEADERFORGE_MODE: process.env.HEADERFORGE_MODE,
};
let site: Awaited<ReturnType<typeof makeSite>>;
let server: ViteDevServer;
let browser: Browser;
let review: Page;

beforeAll(async () => {
  // Locally, without a key: the default mode is placeholders.
  for (const name of Object.keys(saved)) delete process.env[name];
  const files: Record<string, string> = {};
  for (let n = 1; n <= POSTS; n++) {
    files[`posts/post-${n}.md`] =
      `---\ntitle: Post number ${n}\nheader: "A quiet harbour, study ${n}"\n---\n\nText.\n`;
  }
  site = await makeSite('review-many', files, { include: ['posts/**/*.md'] });
  server = await createServer({
    root: site.dir,
    configFile: join(site.dir, 'vite.config.mjs'),
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
  });
  await server.listen();
  browser = await launchChromium();
  review = await browser.newPage();
  await review.goto(new URL('/__headerforge/', server.resolvedUrls?.local[0]).href);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await site?.remove();
  for (const [name, value] of Object.entries(saved))
    if (value !== undefined) process.env[name] = value;
});

describe('the review page of a large site without a key', { timeout: 60_000 }, () => {
  it('lists every post, says how to set the key, and shows placeholders', async () => {
    await until(
      () => review.locator('article[data-post]').count(),
      (n) => n === POSTS,
      `${POSTS} posts`,
    );
    const notice = await review.getByRole('note').textContent();
    expect(notice).toContain('No OpenRouter API key');
    expect(notice).toContain('OPENROUTER_API_KEY');
    const first = review.locator('article[data-post="posts/post-1.md"]');
    await until(
      () => first.locator('.badge').textContent(),
      (text) => text === 'placeholder',
      'a placeholder',
    );
  });

  it('filters hundreds of posts down to one', async () => {
    await review.getByRole('searchbox', { name: 'Filter posts' }).fill('study 123');
    await until(
      () => review.locator('article[data-post]:visible').count(),
      (n) => n === 1,
      'one post',
    );
    expect(await review.locator('article[data-post]:visible').getAttribute('data-post')).toBe(
      'posts/post-123.md',
    );
    expect(await review.locator('#count').textContent()).toBe(`1 of ${POSTS} posts`);
  });
});
