import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type FakeOpenRouter,
  holdBackgroundWork,
  startFakeOpenRouter,
} from '@headerforge/core/testing';
import sharp from 'sharp';
import { createLogger, createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AstroDev, startAstroDev } from './support/astro-dev.js';
import { copyFixture } from './support/fixtures.js';
import { until } from './support/until.js';

// A dev server listens before it makes its headers (issue 16, item 5). The work it does in
// the background is held here (`holdBackgroundWork`), so what it serves before that work
// is seen without a race: pending stand-ins, or what the caches already hold made.

interface Header {
  src: string;
  isPlaceholder: boolean;
}

const releases: Array<() => void> = [];
const hold = () => {
  const release = holdBackgroundWork();
  releases.push(release);
  return release;
};
afterEach(() => {
  for (const release of releases.splice(0)) release();
});

const PENDING = /\/pending\/v\d+-16x9\.png/;

/** What headerforge printed, as a terminal shows it. */
const logged: string[] = [];
const customLogger = {
  ...createLogger('silent'),
  info: (message: string) => void logged.push(message),
  warn: (message: string) => void logged.push(message),
  error: (message: string) => void logged.push(message),
};
/** The background run ended (its summary line, e.g. `2 headers · … · 0 failed · $0.00 · 0.4 s`). */
const backgroundDone = () =>
  until(
    async () => logged.filter((line) => /\d+ headers? · .* failed ·/.test(line)),
    (lines) => lines.length > 0,
    'the background run to end',
  );

async function startVite(dir: string): Promise<{ server: ViteDevServer; base: string }> {
  logged.length = 0;
  const server = await createServer({
    root: dir,
    configFile: join(dir, 'vite.config.js'),
    customLogger,
    server: { port: 0, host: '127.0.0.1' },
  });
  await server.listen();
  return { server, base: server.resolvedUrls?.local[0] as string };
}

async function viteHeaders(server: ViteDevServer): Promise<Record<string, Header>> {
  const module = await server.ssrLoadModule('virtual:headerforge');
  return module.headers as Record<string, Header>;
}

async function imageSize(url: URL): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  return `${meta.width}x${meta.height}`;
}

const featured = (html: string) =>
  /<picture class="featured"[\s\S]*?<img src="([^"]+)"/.exec(html)?.[1] ?? 'missing';

describe('vite dev, without a key', () => {
  let site: Awaited<ReturnType<typeof copyFixture>>;
  afterAll(async () => site?.remove());

  it('serves pending headers before making any, then the offline art; a restart shows the art at once', {
    timeout: 60_000,
  }, async () => {
    site = await copyFixture('vite-blog', { env: { HEADERFORGE_MODE: 'placeholder' } });
    const release = hold();
    const { server, base } = await startVite(site.dir);
    try {
      const page = await fetch(base);
      expect(page.status).toBe(200);
      const src = featured(await page.text());
      expect(src).toMatch(PENDING);
      expect(await imageSize(new URL(src, base))).toBe('1344x756');
      const pending = await viteHeaders(server);
      expect(Object.keys(pending).sort()).toEqual(['posts/deep-sea.md', 'posts/hello-world.md']);
      for (const header of Object.values(pending)) {
        expect(header.isPlaceholder).toBe(true);
        expect(header.src).toMatch(PENDING);
      }

      release();
      const art = await until(
        () => viteHeaders(server),
        (h) => Object.values(h).every((header) => !PENDING.test(header.src)),
        'the offline art',
      );
      for (const header of Object.values(art)) expect(header.isPlaceholder).toBe(true);
      await backgroundDone();
      expect(await imageSize(new URL(art['posts/hello-world.md']?.src as string, base))).toBe(
        '960x540',
      );
      const html = await (await fetch(base)).text();
      expect(featured(html)).not.toMatch(PENDING);
    } finally {
      await server.close();
    }

    // The art made above is in the caches: a new server shows it before any background work.
    hold();
    const again = await startVite(site.dir);
    try {
      const src = featured(await (await fetch(again.base)).text());
      expect(src).not.toMatch(PENDING);
      expect(await imageSize(new URL(src, again.base))).toBe('960x540');
    } finally {
      await again.server.close();
    }
  });
});

describe('vite dev, a post with invalid frontmatter', () => {
  let site: Awaited<ReturnType<typeof copyFixture>>;
  afterAll(async () => site?.remove());

  it('answers the page, shows the post in the terminal and the overlay, and recovers once it is fixed', {
    timeout: 60_000,
  }, async () => {
    site = await copyFixture('vite-blog', { env: { HEADERFORGE_MODE: 'placeholder' } });
    const broken = join(site.dir, 'posts/broken.md');
    await writeFile(broken, '---\ntitle: Broken\nheader:\n  prompt: ""\n---\n');
    hold();
    const { server, base } = await startVite(site.dir);
    const sent: Array<{ type: string; err?: { message: string } }> = [];
    const send = server.ws.send.bind(server.ws) as (payload: unknown) => void;
    server.ws.send = ((payload: { type: string }) => {
      sent.push(payload);
      send(payload);
    }) as typeof server.ws.send;
    try {
      // The page names another post: it is answered, that post pending.
      const page = await fetch(base);
      expect(page.status).toBe(200);
      expect(featured(await page.text())).toMatch(PENDING);
      // The headers module needs every post: it fails, naming the bad one.
      await expect(viteHeaders(server)).rejects.toThrow(
        'posts/broken.md:4: "header.prompt" must be a non-empty string',
      );
      const overlay = await until(
        async () => sent.filter((payload) => payload.type === 'error'),
        (errors) => errors.length > 0,
        'an error overlay',
      );
      expect(overlay[0]?.err?.message).toContain('posts/broken.md:4');
      expect(logged.some((line) => line.includes('posts/broken.md:4'))).toBe(true);

      // Saved once the watcher follows the folder (its first crawl ends after the server listens).
      await until(
        async () => server.watcher.getWatched()[join(site.dir, 'posts')] ?? [],
        (names) => names.includes('broken.md'),
        'the watcher to follow the posts',
      );
      await writeFile(broken, '---\ntitle: Broken\nheader: "A mended fence"\n---\n');
      await until(
        async () => sent.filter((payload) => payload.type === 'full-reload'),
        (reloads) => reloads.length > 0,
        'a reload once the post is fixed',
      );
      expect(Object.keys(await viteHeaders(server)).sort()).toEqual([
        'posts/broken.md',
        'posts/deep-sea.md',
        'posts/hello-world.md',
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('vite dev, with a key', () => {
  const KEY = 'sk-or-v1-test-sentinel-dev-start';
  let fake: FakeOpenRouter;
  let site: Awaited<ReturnType<typeof copyFixture>>;
  afterAll(async () => {
    await fake?.close();
    await site?.remove();
  });

  it('pays for nothing before it answers, then shows the images; a restart serves them from the cache at once', {
    timeout: 60_000,
  }, async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY });
    site = await copyFixture('vite-blog', {
      env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
    });
    const release = hold();
    const { server, base } = await startVite(site.dir);
    try {
      expect(featured(await (await fetch(base)).text())).toMatch(PENDING);
      const pending = await viteHeaders(server);
      expect(Object.values(pending).map((header) => header.src)).toEqual([
        expect.stringMatching(PENDING),
        expect.stringMatching(PENDING),
      ]);
      expect(fake.generations()).toHaveLength(0);

      release();
      const ready = await until(
        () => viteHeaders(server),
        (h) => Object.values(h).every((header) => !header.isPlaceholder),
        'the generated images',
      );
      expect(fake.generations()).toHaveLength(2);
      expect(await imageSize(new URL(ready['posts/hello-world.md']?.src as string, base))).toBe(
        '960x540',
      );
      await backgroundDone();
    } finally {
      await server.close();
    }

    hold();
    const again = await startVite(site.dir);
    try {
      const headers = await viteHeaders(again.server);
      for (const header of Object.values(headers)) {
        expect(header.isPlaceholder).toBe(false);
        expect(header.src).not.toMatch(PENDING);
      }
      const src = featured(await (await fetch(again.base)).text());
      expect(await imageSize(new URL(src, again.base))).toBe('960x540');
      expect(fake.generations()).toHaveLength(2);
    } finally {
      await again.server.close();
    }
  });
});

describe('astro dev, without a key', () => {
  let site: Awaited<ReturnType<typeof copyFixture>>;
  let server: AstroDev | undefined;
  afterAll(async () => {
    await server?.stop();
    await site?.remove();
  });

  const hero = async (path: string) => {
    const html = await (await fetch(`http://127.0.0.1:${server?.address.port}${path}`)).text();
    const img = /<img [^>]*class="hero"[^>]*>/.exec(html)?.[0] ?? '';
    const src = decodeURIComponent(/src="([^"]+)"/.exec(img)?.[1] ?? 'missing');
    return { src, placeholder: /data-headerforge-placeholder="(\w+)"/.exec(img)?.[1] };
  };

  it('serves pending headers through getHeader and the loader, then the offline art', {
    timeout: 120_000,
  }, async () => {
    site = await copyFixture('astro-blog', { env: { HEADERFORGE_MODE: 'placeholder' } });
    const release = hold();
    server = await startAstroDev(site.dir);

    // getHeader(entry) in a page, and an image() field filled by headerforgeLoader.
    const blog = await hero('/blog/lighthouse/');
    expect(blog.src).toMatch(PENDING);
    expect(blog.placeholder).toBe('true');
    expect((await hero('/notes/field-notes/')).src).toMatch(PENDING);

    release();
    const art = await until(
      () => hero('/blog/lighthouse/'),
      (h) => h.src !== 'missing' && !PENDING.test(h.src),
      'the offline art in the page',
    );
    expect(art.placeholder).toBe('true');
    await until(
      () => hero('/notes/field-notes/'),
      (h) => h.src !== 'missing' && !PENDING.test(h.src),
      'the offline art in the loader entry',
    );
  });
});
