import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AstroDev, startAstroDev } from './support/astro-dev.js';
import { launchChromium } from './support/browser.js';
import { copyFixture } from './support/fixtures.js';
import { raw, reviewToken, reviewWrite } from './support/review.js';
import { reviewCard } from './support/review-card.js';
import { until } from './support/until.js';

// The review page on `astro dev` (served by the Vite plugin the integration adds), in
// Chromium against the fake OpenRouter.
const KEY = 'sk-or-v1-test-sentinel-review-astro';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
let server: AstroDev;
let browser: Browser;
let review: Page;
let base: string;
const post = 'src/content/blog/lighthouse.md';

const { card, shown, frontmatter, newImage } = reviewCard(
  () => review,
  () => site.dir,
  post,
);

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 200 });
  site = await copyFixture('astro-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
  server = await startAstroDev(site.dir);
  base = `http://127.0.0.1:${server.address.port}/`;
  browser = await launchChromium();
  review = await browser.newPage();
  await review.goto(new URL('/__headerforge/', base).href);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
  await site?.remove();
});

describe('the review page on astro dev', { timeout: 90_000 }, () => {
  it('lists every post, addressed by its content path', async () => {
    await until(
      () => review.locator('article[data-post]').count(),
      (n) => n === 4,
      'four posts',
    );
    await newImage(null);
    // Every header made: nothing is paid for from here on but what the tests ask for.
    await until(
      () => review.locator('article .busy').count(),
      (n) => n === 0,
      'every header',
    );
    const posts = await review
      .locator('article[data-post]')
      .evaluateAll((cards) => cards.map((one) => one.getAttribute('data-post')));
    expect(posts.sort()).toEqual([
      'src/content/blog/deep-sea.mdx',
      'src/content/blog/lighthouse.md',
      'src/content/blog/mountains.md',
      'src/content/notes/field-notes.md',
    ]);
  });

  it('refuses a write without the token, from another Origin, or outside the root: 403, nothing changed', async () => {
    const token = await reviewToken(base);
    const before = await frontmatter();
    const requests = fake.generations().length;
    const edit = { post, text: 'A paid prompt nobody asked for' };
    const answers = [
      await reviewWrite(base, 'prompt', edit, {}),
      await reviewWrite(base, 'prompt', edit, {
        'x-headerforge-token': token,
        origin: 'https://evil.example',
      }),
      await reviewWrite(
        base,
        'prompt',
        { post: '../outside.md', text: 'Escaped' },
        { 'x-headerforge-token': token },
      ),
      await reviewWrite(
        base,
        'prompt',
        { post: 'astro.config.mjs', text: 'Escaped' },
        { 'x-headerforge-token': token },
      ),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403, 403]);
    const rebound = await raw(base, 'GET', '/__headerforge/api/posts', {
      host: `evil.example:${server.address.port}`,
    });
    expect(rebound.status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await frontmatter()).toBe(before);
    expect(fake.generations()).toHaveLength(requests);
  });

  it('edits a prompt inline, and the new image appears', async () => {
    const before = await shown();
    await card().getByRole('button', { name: 'Edit prompt', exact: true }).click();
    await card().getByRole('textbox', { name: 'Prompt' }).fill('A lighthouse in snow, woodcut');
    await card().getByRole('button', { name: 'Save', exact: true }).click();
    await until(frontmatter, (text) => text.includes('woodcut'), 'the new prompt');
    expect(await frontmatter()).toContain('\nheader:\n  prompt: "A lighthouse in snow, woodcut"');
    await newImage(before);
    expect(await card().locator('[data-field="prompt"]').textContent()).toBe(
      'A lighthouse in snow, woodcut',
    );
  });

  it('re-rolls with exactly one request', async () => {
    const requests = fake.generations().length;
    const before = await shown();
    await card().getByRole('button', { name: 'Re-roll', exact: true }).click();
    await newImage(before);
    expect(await frontmatter()).toContain('\n  seed: 1');
    expect(fake.generations()).toHaveLength(requests + 1);
  });

  it('picks candidate 2, and the post’s page shows it without a reload', async () => {
    await card().getByRole('combobox', { name: 'Candidates to re-roll' }).selectOption('2');
    await card().getByRole('button', { name: 'Re-roll', exact: true }).click();
    const states = () =>
      card()
        .getByRole('group', { name: 'Candidates' })
        .getByRole('button')
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('title')));
    await until(states, (now) => now.join() === 'cached,cached', 'two cached candidates');

    const page = await browser.newPage();
    await page.goto(new URL('/blog/lighthouse/', base).href);
    const hero = () => page.locator('img.hero').getAttribute('src', { timeout: 30_000 });
    const first = await until(hero, (src) => !!src, 'the post’s page');
    const requests = fake.generations().length;
    const before = await shown();
    await card().getByRole('button', { name: 'Pick candidate 2' }).click();
    await until(frontmatter, (text) => text.includes('pick: 2'), 'pick: 2');
    await newImage(before);
    await until(hero, (src) => src !== first, 'the new image on the post’s page');
    expect(fake.generations()).toHaveLength(requests);
    await page.close();
  });
});
