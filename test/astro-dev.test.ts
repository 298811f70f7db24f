import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AstroDev, startAstroDev } from './support/astro-dev.js';
import { copyFixture } from './support/fixtures.js';
import { until } from './support/until.js';

const KEY = 'sk-or-v1-test-sentinel-astro-dev';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
let server: AstroDev;

beforeAll(async () => {
  // Slow enough that the placeholder can be seen before the image lands.
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 1500 });
  // The first images take long enough that the first page render (a cold compile) sees them pending.
  fake.inject({ kind: 'latency', ms: 6000 }, { times: 4 });
  site = await copyFixture('astro-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
  server = await startAstroDev(site.dir);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await fake.close();
  await site.remove();
});

const url = (path: string) => `http://127.0.0.1:${server.address.port}${path}`;

async function hero(path: string): Promise<{ placeholder: string; src: string; html: string }> {
  const html = await (await fetch(url(path))).text();
  const img = /<img [^>]*class="hero"[^>]*>/.exec(html)?.[0] ?? '';
  return {
    placeholder: /data-headerforge-placeholder="(\w+)"/.exec(img)?.[1] ?? 'missing',
    src: /src="([^"]+)"/.exec(img)?.[1] ?? '',
    html,
  };
}

describe('astro dev', () => {
  it('starts with placeholders, then serves the generated headers', {
    timeout: 90_000,
  }, async () => {
    const first = await hero('/blog/lighthouse/');
    expect(first.placeholder).toBe('true');
    // The background makes the posts once the server has been quiet (at most 1 s at a time:
    // this page is asked for without pause). Timed on a quiet machine: the requests went out
    // ~2 s after the first page, and the image showed ~12 s after it (a slow first answer of
    // 7.5 s, a derivation, the content's refresh). Beside the whole suite's Astro builds and
    // browsers on 2 cores, that took over 30 s once (when lighthouse's request also waited for
    // the candidates' batch: see generate-batch.ts).
    const ready = await until(
      () => hero('/blog/lighthouse/'),
      (h) => h.placeholder === 'false',
      'the generated image',
      60_000,
    );
    expect(ready.src).not.toBe(first.src);
    const image = await fetch(url(ready.src.replaceAll('&amp;', '&')));
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toMatch(/^image\//);
  });

  it('regenerates an edited prompt without a restart, with a placeholder meanwhile', {
    timeout: 60_000,
  }, async () => {
    await until(
      () => Promise.resolve(fake.generations().length),
      (n) => n === 4,
      'the first generations',
    );
    const before = await hero('/blog/lighthouse/');
    const file = join(site.dir, 'src/content/blog/lighthouse.md');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace('A lighthouse at dusk on a rocky coast', 'A lighthouse in a winter storm'),
    );

    const pending = await until(
      () => hero('/blog/lighthouse/'),
      (h) => h.src !== before.src,
      'the page to change',
    );
    expect(pending.placeholder).toBe('true');
    const done = await until(
      () => hero('/blog/lighthouse/'),
      (h) => h.placeholder === 'false',
      'the new image',
    );
    expect(done.src).not.toBe(before.src);
    expect(fake.generations()).toHaveLength(5);
    const prompt = fake.generations().at(-1)?.prompt;
    expect(prompt).toContain('A lighthouse in a winter storm');
  });
});
