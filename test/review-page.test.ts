import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { copyFixture } from './support/fixtures.js';
import { reviewCard } from './support/review-card.js';
import { until } from './support/until.js';

// The review page in Chromium, against the Vite fixture's dev server and the fake OpenRouter:
// every action is made the way an author makes it, and checked in the post's frontmatter,
// on the review page, on the site's own page (without reloading it) and in the requests paid.
const KEY = 'sk-or-v1-test-sentinel-review-page';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
let server: ViteDevServer;
let browser: Browser;
let review: Page;
let base: string;
const post = 'posts/hello-world.md';

const { card, shown, frontmatter, newImage } = reviewCard(
  () => review,
  () => site.dir,
  post,
);

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 200 });
  site = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
  server = await createServer({
    root: site.dir,
    configFile: join(site.dir, 'vite.config.js'),
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
  });
  await server.listen();
  base = server.resolvedUrls?.local[0] as string;
  browser = await launchChromium();
  review = await browser.newPage();
  await review.goto(new URL('/__headerforge/', base).href);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
  await site?.remove();
});

describe('the review page in Chromium (Vite)', { timeout: 90_000 }, () => {
  it('lists every post with its header, made in the background while the page is open', async () => {
    await expect
      .poll(() => review.locator('article[data-post]').count(), { timeout: 30_000 })
      .toBe(2);
    await newImage(null);
    await until(
      () => review.locator('article .busy').count(),
      (n) => n === 0,
      'every header',
    );
    expect(await card().locator('h2').textContent()).toBe('Hello, world');
    expect(await card().locator('[data-field="prompt"]').textContent()).toBe(
      'A lighthouse at dusk, watercolour',
    );
    expect(await card().locator('.meta').textContent()).toContain('google/gemini-2.5-flash-image');
    for (const name of ['Re-roll', 'Edit prompt', 'Set alt text']) {
      expect(await card().getByRole('button', { name, exact: true }).count(), name).toBe(1);
    }
    expect(fake.generations()).toHaveLength(2);
  });

  it('edits a prompt inline: the frontmatter holds it, and the new image appears', async () => {
    const before = await shown();
    await card().getByRole('button', { name: 'Edit prompt', exact: true }).click();
    await card().getByRole('textbox', { name: 'Prompt' }).fill('A lighthouse in fog, ink wash');
    await card().getByRole('button', { name: 'Save', exact: true }).click();
    await until(frontmatter, (text) => text.includes('A lighthouse in fog'), 'the new prompt');
    expect(await frontmatter()).toBe(
      '---\ntitle: Hello, world\nheader:\n  prompt: "A lighthouse in fog, ink wash"',
    );
    await newImage(before);
    expect(await card().locator('[data-field="prompt"]').textContent()).toBe(
      'A lighthouse in fog, ink wash',
    );
    expect(fake.generations().at(-1)?.prompt).toContain('A lighthouse in fog, ink wash');
  });

  it('re-rolls with exactly one request, and the new image appears', async () => {
    const requests = fake.generations().length;
    const before = await shown();
    await card().getByRole('button', { name: 'Re-roll', exact: true }).click();
    await newImage(before);
    expect(await frontmatter()).toContain('\n  seed: 1');
    expect(fake.generations()).toHaveLength(requests + 1);
  });

  it('picks candidate 2: `pick: 2` in the frontmatter, and the post’s page shows it without a reload', async () => {
    // Two new candidates first, from the same control.
    await card().getByRole('combobox', { name: 'Candidates to re-roll' }).selectOption('2');
    const requests = fake.generations().length;
    await card().getByRole('button', { name: 'Re-roll', exact: true }).click();
    const states = () =>
      card()
        .getByRole('group', { name: 'Candidates' })
        .getByRole('button')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('title')));
    await until(states, (now) => now.join() === 'cached,cached', 'two cached candidates');
    const paid = fake.generations().length - requests;
    expect(paid).toBeGreaterThan(0);
    expect(await frontmatter()).toContain('\n  candidates: 2');

    const sitePage = await browser.newPage();
    await sitePage.goto(base);
    const featured = () =>
      sitePage.locator('picture.featured img').getAttribute('src', { timeout: 30_000 });
    const first = await until(featured, (src) => !!src, 'the site page');
    const reloads: string[] = [];
    sitePage.on('framenavigated', (frame) => reloads.push(frame.url()));

    const before = await shown();
    await card().getByRole('button', { name: 'Pick candidate 2' }).click();
    await until(frontmatter, (text) => text.includes('pick: 2'), 'pick: 2');
    expect(await frontmatter()).toContain('\n  pick: 2');
    await newImage(before);
    expect(
      await card().getByRole('button', { name: 'Pick candidate 2' }).getAttribute('aria-pressed'),
    ).toBe('true');
    // The site's page reloads itself through Vite's HMR channel and shows the new image.
    await until(featured, (src) => src !== first, 'the new image on the post’s page');
    expect(reloads.length).toBeGreaterThan(0);
    // Picking pays for nothing.
    expect(fake.generations()).toHaveLength(requests + paid);
    await sitePage.close();
  });

  it('filters posts, and moves and acts with the keyboard', async () => {
    await review.getByRole('searchbox', { name: 'Filter posts' }).fill('jellyfish');
    await expect.poll(() => review.locator('article[data-post]:visible').count()).toBe(1);
    expect(await review.locator('article[data-post]:visible').getAttribute('data-post')).toBe(
      'posts/deep-sea.md',
    );
    await review.getByRole('searchbox', { name: 'Filter posts' }).fill('');
    await review.locator('h1').click();
    await review.keyboard.press('j');
    await review.keyboard.press('j');
    expect(await card().getAttribute('class')).toContain('current');
    const before = await shown();
    await review.keyboard.press('1');
    await until(frontmatter, (text) => text.includes('pick: 1'), 'pick: 1 from the keyboard');
    await newImage(before);
  });

  it('refuses what another site’s page sends it (a form, a no-cors fetch), and nothing changes', async () => {
    const target = new URL('/__headerforge/api/reroll', base).href;
    const body = JSON.stringify({ post });
    const attacker = createHttpServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html>
        <form id="form" method="POST" action="${target}" enctype="text/plain">
          <input name='${body.slice(0, -1)}, "x": "' value='"}'>
        </form>
        <script>
          fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(body)} })
            .finally(() => document.getElementById('form').submit());
        </script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const before = await frontmatter();
    const requests = fake.generations().length;
    const page = await browser.newPage();
    try {
      const port = (attacker.address() as { port: number }).port;
      await page.goto(`http://127.0.0.1:${port}/`);
      // The form's POST lands on the review API, which answers 403.
      await page.waitForURL(target);
      expect(await page.textContent('body')).toContain('not the review page');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await frontmatter()).toBe(before);
      expect(fake.generations()).toHaveLength(requests);
    } finally {
      await page.close();
      attacker.close();
    }
  });

  it('refuses, from the page itself, a POST without the token and a path outside the root', async () => {
    const before = await frontmatter();
    const requests = fake.generations().length;
    const statuses = await review.evaluate(`(async () => {
      const token = document.querySelector('meta[name="headerforge-token"]').content;
      const send = (body, headers) =>
        fetch('/__headerforge/api/prompt', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }).then((response) => response.status);
      return [
        await send({ post: '${post}', text: 'No token' }, {}),
        await send({ post: '../outside.md', text: 'Escaped' }, { 'x-headerforge-token': token }),
        await send({ post: '${post}', text: 'With the token' }, { 'x-headerforge-token': 'wrong' }),
      ];
    })()`);
    expect(statuses).toEqual([403, 403, 403]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await frontmatter()).toBe(before);
    expect(fake.generations()).toHaveLength(requests);
  });

  it('switches between light and dark themes', async () => {
    const theme = review.locator('#theme');
    await theme.click();
    expect(await review.locator('html').getAttribute('data-theme')).toBe('light');
    await theme.click();
    expect(await review.locator('html').getAttribute('data-theme')).toBe('dark');
    const background = await review.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(20, 21, 23)');
  });
});

describe('the review page when the dev server starts with a broken post', {
  timeout: 90_000,
}, () => {
  it('shows the post’s error, and the listing once the post is mended', async () => {
    const broken = await copyFixture('vite-blog', { env: { HEADERFORGE_MODE: 'placeholder' } });
    const file = join(broken.dir, post);
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace(/^header:.*$/m, 'header: 5'));
    const devServer = await createServer({
      root: broken.dir,
      configFile: join(broken.dir, 'vite.config.js'),
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
    });
    const page = await browser.newPage();
    try {
      await devServer.listen();
      await page.goto(new URL('/__headerforge/', devServer.resolvedUrls?.local[0]).href);
      const error = page.locator('#posts .error');
      await expect
        .poll(() => error.textContent(), { timeout: 30_000 })
        .toMatch(/posts\/hello-world\.md:\d+: "header" must be a prompt string/);
      expect(await page.locator('#posts').getAttribute('aria-busy')).toBe('false');
      // Mended in the editor: the page lists the posts without being reloaded.
      await writeFile(file, good);
      await expect
        .poll(() => page.locator(`article[data-post="${post}"]`).count(), { timeout: 30_000 })
        .toBe(1);
    } finally {
      await page.close();
      await devServer.close();
      await broken.remove();
    }
  });
});
