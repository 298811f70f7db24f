import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import headerforge from '@headerforge/vite';
import { build, createLogger, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture } from './support/fixtures.js';

const KEY = 'sk-or-v1-test-sentinel-outside';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
let outside: string;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  site = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
  });
  outside = await mkdtemp(join(tmpdir(), 'hf-outside-'));
});
afterAll(async () => {
  await fake.close();
  await site.remove();
  await rm(outside, { recursive: true, force: true });
});

const plugin = () =>
  headerforge({
    include: ['posts/**/*.md'],
    widths: [640],
    formats: ['webp'],
    cacheDir: join(outside, 'committed'),
    derivedCacheDir: join(outside, 'derived'),
    outsideRoot: [outside],
  });

describe('caches outside the project root', () => {
  it('logs progress and the summary through Vite’s logger', async () => {
    const lines: string[] = [];
    const logger = createLogger('info');
    logger.info = (message) => void lines.push(message);
    logger.warn = (message) => void lines.push(message);
    await build({
      root: site.dir,
      configFile: false,
      plugins: [plugin()],
      customLogger: logger,
      logLevel: 'info',
    });
    const ours = lines.filter((line) => line.includes('[headerforge]'));
    expect(ours.some((line) => /2 images: 0 cached, 2 to generate/.test(line))).toBe(true);
    expect(ours.some((line) => /headers 2\/2/.test(line))).toBe(true);
    expect(ours.at(-1)).toMatch(
      /2 headers · 2 generated · 0 cached · 0 failed · \$0\.\d+ · [\d.]+ s/,
    );
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('are readable by the dev server (server.fs.allow)', async () => {
    const server = await createServer({
      root: site.dir,
      configFile: false,
      plugins: [plugin()],
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
    });
    try {
      await server.listen();
      const { headers } = (await server.ssrLoadModule('virtual:headerforge')) as {
        headers: Record<string, { src: string }>;
      };
      const src = headers['posts/hello-world.md']?.src as string;
      expect(src).toContain('/@fs/');
      const response = await fetch(new URL(src, server.resolvedUrls?.local[0]));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('image/webp');
    } finally {
      await server.close();
    }
  });
});
