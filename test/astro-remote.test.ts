import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { copyFixture, listFiles } from './support/fixtures.js';
import { type RunningStore, startRedis, uniquePrefix } from './support/stores.js';

// Astro builds under vitest need NODE_ENV unset (vitest sets it to "test"), and they run
// one at a time within this file, on its own copy of the fixture.
const KEY = 'sk-or-v1-test-sentinel-astro-remote';
let fake: FakeOpenRouter;
let redis: RunningStore;
let site: Awaited<ReturnType<typeof copyFixture>>;
const savedNodeEnv = process.env.NODE_ENV;

beforeAll(async () => {
  delete process.env.NODE_ENV;
  [fake, redis] = await Promise.all([startFakeOpenRouter({ apiKey: KEY }), startRedis()]);
  site = await copyFixture('astro-blog', {
    env: {
      OPENROUTER_API_KEY: KEY,
      OPENROUTER_BASE_URL: fake.baseURL,
      HEADERFORGE_REMOTE: redis.url(uniquePrefix('astro')),
    },
  });
});
afterAll(async () => {
  process.env.NODE_ENV = savedNodeEnv;
  await Promise.all([fake?.close(), redis?.stop()]);
  await site?.remove();
});

async function astroBuild(): Promise<void> {
  const { build } = await import('astro');
  await build({ root: site.dir, logLevel: 'error' });
}

/**
 * Every file of the site's committed cache, by path: an image as its bytes, a sidecar as
 * its fields.
 */
async function committedCache(): Promise<Map<string, unknown>> {
  const cache = join(site.dir, '.headerforge');
  const files = (await listFiles(cache)).sort();
  const contentOf = async (file: string) => {
    const bytes = await readFile(join(cache, file));
    if (!file.endsWith('.json')) return bytes.toString('base64');
    return JSON.parse(bytes.toString('utf8'));
  };
  return new Map(
    await Promise.all(files.map(async (file) => [file, await contentOf(file)] as const)),
  );
}

describe('fixtures/astro-blog on a runner that kept its derived cache, sharing a Redis', () => {
  it('reads every image through and has every copy written when astro build returns', {
    timeout: 240_000,
  }, async () => {
    await astroBuild();
    const paid = fake.generations().length;
    expect(paid).toBeGreaterThan(0);
    const cache = await committedCache();
    fake.reset();

    // The derived files are kept, so the build needs no pixel of the images: their local
    // copies are written behind it, and astro:build:done waits for them.
    await rm(join(site.dir, '.headerforge'), { recursive: true, force: true });
    await astroBuild();
    expect(fake.requests).toHaveLength(0);
    const copied = await committedCache();
    // Every image is back byte for byte, and every sidecar as it was.
    expect([...copied.keys()]).toEqual([...cache.keys()]);
    expect(copied).toEqual(cache);
    const status = await runHeaderforge(['status', '--json', '--root', site.dir]);
    const posts = (JSON.parse(status.stdout) as { posts: Array<{ status: string }> }).posts;
    expect(posts.length).toBeGreaterThan(0);
    expect(new Set(posts.map((post) => post.status))).toEqual(new Set(['cached']));
  });
});
