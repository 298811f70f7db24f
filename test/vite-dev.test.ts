import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture } from './support/fixtures.js';
import { until } from './support/until.js';

const KEY = 'sk-or-v1-test-sentinel-vite-dev';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
let server: ViteDevServer;
let base: string;
const sent: Array<{ type: string; err?: { message: string } }> = [];

interface Header {
  src: string;
  prompt: string;
  alt: string;
  isPlaceholder: boolean;
}

async function headers(): Promise<Record<string, Header>> {
  const module = await server.ssrLoadModule('virtual:headerforge');
  return module.headers as Record<string, Header>;
}

async function imageSize(src: string): Promise<string> {
  const response = await fetch(new URL(src, base));
  expect(response.status).toBe(200);
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  return `${meta.width}x${meta.height}`;
}

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 300 });
  site = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
  server = await createServer({
    root: site.dir,
    configFile: join(site.dir, 'vite.config.js'),
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
  });
  const send = server.ws.send.bind(server.ws) as (payload: unknown) => void;
  server.ws.send = ((payload: { type: string }) => {
    sent.push(payload);
    send(payload);
  }) as typeof server.ws.send;
  await server.listen();
  base = server.resolvedUrls?.local[0] as string;
});
afterAll(async () => {
  await server?.close();
  await fake.close();
  await site.remove();
});

const post = 'posts/hello-world.md';

describe('the Vite dev server', () => {
  it('starts with placeholders at once, then serves the generated images', async () => {
    const first = await headers();
    expect(Object.keys(first).sort()).toEqual(['posts/deep-sea.md', 'posts/hello-world.md']);
    const ready = await until(
      headers,
      (h) => Object.values(h).every((x) => !x.isPlaceholder),
      'generated images',
    );
    expect(fake.generations()).toHaveLength(2);
    expect(await imageSize(ready[post]?.src as string)).toBe('960x540');
    expect(sent.some((payload) => payload.type === 'full-reload')).toBe(true);

    const html = await (await fetch(base)).text();
    const src = /<picture class="featured"[\s\S]*?<img src="([^"]+)"/.exec(html)?.[1];
    expect(src).toMatch(
      /^\/node_modules\/\.cache\/headerforge\/derived\/.+\/hello-world-w960\.jpg$/,
    );
    expect(await imageSize(src as string)).toBe('960x540');
  });

  it('regenerates an edited prompt without a restart: placeholder first, then the image', async () => {
    const before = (await headers())[post] as Header;
    const source = await readFile(join(site.dir, post), 'utf8');
    await writeFile(
      join(site.dir, post),
      source.replace('A lighthouse at dusk, watercolour', 'A lighthouse in a storm, oil painting'),
    );

    const pending = await until(
      headers,
      (h) => h[post]?.prompt === 'A lighthouse in a storm, oil painting',
      'the new prompt',
    );
    expect(pending[post]?.isPlaceholder).toBe(true);
    const done = await until(headers, (h) => h[post]?.isPlaceholder === false, 'the new image');
    expect(done[post]?.src).not.toBe(before.src);
    expect(await imageSize(done[post]?.src as string)).toBe('960x540');
    expect(fake.generations()).toHaveLength(3);
  });

  it('a save that does not change the prompt makes no request', async () => {
    const requests = fake.generations().length;
    const source = await readFile(join(site.dir, post), 'utf8');
    await writeFile(join(site.dir, post), `${source}\nAnother paragraph.\n`);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(fake.generations()).toHaveLength(requests);
    expect((await headers())[post]?.isPlaceholder).toBe(false);
  });

  it('shows a failed generation in the terminal and the browser overlay, naming the post', async () => {
    fake.inject(
      { kind: 'status', status: 400, message: 'The prompt was refused' },
      { always: true, match: { prompt: 'forbidden' } },
    );
    const source = await readFile(join(site.dir, post), 'utf8');
    await writeFile(
      join(site.dir, post),
      source.replace('A lighthouse in a storm, oil painting', 'A forbidden lighthouse'),
    );
    const overlay = await until(
      async () => sent.filter((payload) => payload.type === 'error'),
      (errors) => errors.length > 0,
      'an error overlay',
    );
    expect(overlay[0]?.err?.message).toContain('posts/hello-world.md');
    expect(overlay[0]?.err?.message).toContain('The prompt was refused');
  });
});
