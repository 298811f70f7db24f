import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { build, createServer, preview, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture } from './support/fixtures.js';
import { raw, reviewToken, reviewWrite } from './support/review.js';
import { until } from './support/until.js';

// The review page's safety rules, over HTTP against the Vite fixture's dev server: every
// refused request is checked to have changed nothing and paid for nothing.
const KEY = 'sk-or-v1-test-sentinel-review-server';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
let server: ViteDevServer;
let base: string;
let token: string;
const post = 'posts/hello-world.md';

const read = (file: string) => readFile(join(site.dir, file), 'utf8');

async function startServer(dir: string): Promise<ViteDevServer> {
  const started = await createServer({
    root: dir,
    configFile: join(dir, 'vite.config.js'),
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
  });
  await started.listen();
  return started;
}

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  site = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
  // A file beside the site, which no edit may reach.
  await writeFile(join(site.dir, '..', 'outside.md'), '---\nheader: "Outside"\n---\n');
  server = await startServer(site.dir);
  base = server.resolvedUrls?.local[0] as string;
  token = await reviewToken(base);
  // The dev server makes the fixture's two headers in the background first.
  await until(
    async () => JSON.parse((await raw(base, 'GET', '/__headerforge/api/posts')).body),
    (listing) => listing.posts.every((one: { source: string }) => one.source === 'generated'),
    'the first headers',
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  await fake.close();
  await site?.remove();
});

describe('the review page on the Vite dev server', () => {
  it('serves the page and lists every post with its header', async () => {
    const page = await raw(base, 'GET', '/__headerforge/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<main id="posts"');
    const listing = JSON.parse((await raw(base, 'GET', '/__headerforge/api/posts')).body);
    expect(listing.posts.map((one: { file: string }) => one.file)).toEqual([
      'posts/deep-sea.md',
      'posts/hello-world.md',
    ]);
    const hello = listing.posts.find((one: { file: string }) => one.file === post);
    expect(hello).toMatchObject({
      title: 'Hello, world',
      prompt: 'A lighthouse at dusk, watercolour',
      model: 'google/gemini-2.5-flash-image',
      size: '1K',
    });
    expect(hello.candidates).toHaveLength(1);
    expect(hello.candidates[0].picked).toBe(true);
  });

  it('is named in the terminal banner', () => {
    const lines: string[] = [];
    const logger = server.config.logger;
    const info = logger.info;
    logger.info = (message) => void lines.push(message);
    try {
      server.printUrls();
    } finally {
      logger.info = info;
    }
    expect(lines.join('\n')).toContain(`headerforge: ${new URL('/__headerforge/', base).href}`);
  });

  it('answers nothing to a request for another host name (DNS rebinding)', async () => {
    const port = new URL(base).port;
    const answer = await raw(base, 'GET', '/__headerforge/api/posts', {
      host: `evil.example:${port}`,
    });
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain('lighthouse');
  });

  it('refuses a write without the token, with a wrong one, or from another Origin: 403, nothing changed', async () => {
    const before = await read(post);
    const requests = fake.generations().length;
    const edit = { post, text: 'A paid prompt nobody asked for' };
    const refused = [
      await reviewWrite(base, 'prompt', edit, {}),
      await reviewWrite(base, 'prompt', edit, { 'x-headerforge-token': 'guessed' }),
      await reviewWrite(base, 'prompt', edit, {
        'x-headerforge-token': token,
        origin: 'https://evil.example',
      }),
      await reviewWrite(base, 'prompt', edit, {
        'x-headerforge-token': token,
        origin: '',
      }),
      await reviewWrite(base, 'reroll', { post }, { 'sec-fetch-site': 'cross-site' }),
    ];
    expect(refused.map((answer) => answer.status)).toEqual([403, 403, 403, 403, 403]);
    expect(refused[0]?.body).toContain('token');
    expect(refused[2]?.body).toContain('Origin');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await read(post)).toBe(before);
    expect(fake.generations()).toHaveLength(requests);
  });

  it('refuses a path outside the root, and a file the include globs do not match', async () => {
    const headers = { 'x-headerforge-token': token };
    const outside = await readFile(join(site.dir, '..', 'outside.md'), 'utf8');
    const config = await read('vite.config.js');
    for (const path of [
      '../outside.md',
      join(site.dir, '..', 'outside.md'),
      'posts/../../outside.md',
    ]) {
      const answer = await reviewWrite(base, 'prompt', { post: path, text: 'Escaped' }, headers);
      expect(answer.status, path).toBe(403);
      expect(answer.body).toContain('not a path inside');
    }
    const notContent = await reviewWrite(
      base,
      'prompt',
      { post: 'vite.config.js', text: 'Escaped' },
      headers,
    );
    expect(notContent.status).toBe(403);
    expect(notContent.body).toContain('include');
    expect(await readFile(join(site.dir, '..', 'outside.md'), 'utf8')).toBe(outside);
    expect(await read('vite.config.js')).toBe(config);
  });

  it('edits the frontmatter through the same code as the CLI, and nothing else', async () => {
    const before = await read(post);
    const answer = await reviewWrite(
      base,
      'alt',
      { post, text: 'A lighthouse, painted' },
      { 'x-headerforge-token': token },
    );
    expect(answer.status).toBe(200);
    expect(await read(post)).toBe(
      before.replace(
        'header: "A lighthouse at dusk, watercolour"',
        'header:\n  prompt: "A lighthouse at dusk, watercolour"\n  alt: "A lighthouse, painted"',
      ),
    );
    const listing = await until(
      async () => JSON.parse((await raw(base, 'GET', '/__headerforge/api/posts')).body),
      (now) => now.posts.some((one: { alt: string }) => one.alt === 'A lighthouse, painted'),
      'the new alt text in the listing',
    );
    expect(listing.posts).toHaveLength(2);
  });

  it('says what is wrong with a bad edit, and writes nothing', async () => {
    const before = await read(post);
    const headers = { 'x-headerforge-token': token };
    const pick = await reviewWrite(base, 'pick', { post, candidate: 2 }, headers);
    expect(pick.status).toBe(400);
    expect(JSON.parse(pick.body).error.message).toContain(
      'cannot pick 2, the post has 1 candidate',
    );
    const empty = await reviewWrite(base, 'prompt', { post, text: '  ' }, headers);
    expect(empty.status).toBe(400);
    expect(await read(post)).toBe(before);
  });
});

describe('a failed header on the review page', () => {
  it('shows the post as failed, with the error and its hint', async () => {
    fake.inject(
      { kind: 'status', status: 400, message: 'The prompt was refused' },
      { always: true, match: { prompt: 'forbidden' } },
    );
    const answer = await reviewWrite(
      base,
      'prompt',
      { post, text: 'A forbidden lighthouse' },
      { 'x-headerforge-token': token },
    );
    expect(answer.status).toBe(200);
    const listing = await until(
      async () => JSON.parse((await raw(base, 'GET', '/__headerforge/api/posts')).body),
      (now) => now.posts.some((one: { source: string }) => one.source === 'failed'),
      'the failure in the listing',
    );
    const failed = listing.posts.find((one: { file: string }) => one.file === post);
    expect(failed.prompt).toBe('A forbidden lighthouse');
    expect(failed.error.message).toContain('The prompt was refused');
    expect(failed.error.hint).toBeTruthy();
  });
});

describe('where the review page is not', () => {
  it('is off with `review: false`', async () => {
    const off = await copyFixture('vite-blog', {
      env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
    });
    const config = join(off.dir, 'vite.config.js');
    await writeFile(
      config,
      (await readFile(config, 'utf8')).replace(
        'widths: [640, 960],',
        'widths: [640, 960],\n      review: false,',
      ),
    );
    const offServer = await startServer(off.dir);
    try {
      const url = offServer.resolvedUrls?.local[0] as string;
      const page = await raw(url, 'GET', '/__headerforge/');
      expect(page.body).not.toContain('headerforge-token');
      const before = await readFile(join(off.dir, post), 'utf8');
      const answer = await reviewWrite(url, 'prompt', { post, text: 'Off' }, {});
      expect(answer.body).not.toContain(post);
      expect(await readFile(join(off.dir, post), 'utf8')).toBe(before);
    } finally {
      await offServer.close();
      await off.remove();
    }
  });

  it('is never in a build, nor on the preview server', async () => {
    const built = await copyFixture('vite-blog', { env: { HEADERFORGE_MODE: 'placeholder' } });
    try {
      await build({
        root: built.dir,
        configFile: join(built.dir, 'vite.config.js'),
        logLevel: 'silent',
      });
      const previewed = await preview({
        root: built.dir,
        configFile: join(built.dir, 'vite.config.js'),
        logLevel: 'silent',
        preview: { port: 0, host: '127.0.0.1' },
      });
      try {
        const url = previewed.resolvedUrls?.local[0] as string;
        const page = await raw(url, 'GET', '/__headerforge/');
        expect(page.body).not.toContain('headerforge-token');
        const posts = await raw(url, 'GET', '/__headerforge/api/posts');
        expect(posts.body).not.toContain(post);
      } finally {
        await previewed.close();
      }
    } finally {
      await built.remove();
    }
  }, 120_000);
});
