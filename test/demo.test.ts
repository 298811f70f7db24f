import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, exists } from './support/fixtures.js';

// `npm run demo` is `npm run build && node scripts/demo.mjs`; `npm test` has already built, so
// the script runs directly, on a copy of the blog instead of fixtures/astro-blog itself.
const run = promisify(execFile);
const script = join(import.meta.dirname, '..', 'scripts', 'demo.mjs');
const KEY = 'sk-or-v1-test-sentinel-demo';
let fake: FakeOpenRouter;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(() => fake.close());

async function demo(root: string, env: Record<string, string>) {
  const {
    NODE_ENV: _node,
    VITEST: _vitest,
    OPENROUTER_API_KEY: _key,
    HEADERFORGE_MODE: _mode,
    ...inherited
  } = process.env;
  const { stdout } = await run(process.execPath, [script], {
    env: { ...inherited, HEADERFORGE_DEMO_ROOT: root, ...env },
    maxBuffer: 32 * 2 ** 20,
  });
  return stdout;
}

describe('npm run demo', () => {
  it('without a key: builds the blog with placeholder art and says so', {
    timeout: 180_000,
  }, async () => {
    const site = await copyFixture('astro-blog');
    try {
      const out = await demo(site.dir, { CI: 'true' });
      expect(out).toContain('no OPENROUTER_API_KEY, so headers are offline placeholder art');
      // Six images: the post with three candidates gets offline art for each.
      expect(out).toMatch(/4 headers · 0 generated · 0 cached · 6 placeholders · 0 failed/);
      expect(out).toContain(`the site is built in ${join(site.dir, 'dist')}`);
      expect(await exists(join(site.dir, 'dist', 'blog', 'deep-sea', 'index.html'))).toBe(true);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await site.remove();
    }
  });

  it('with a key: generates, and a second run makes zero requests', {
    timeout: 240_000,
  }, async () => {
    const site = await copyFixture('astro-blog');
    try {
      const env = { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL };
      const first = await demo(site.dir, env);
      expect(first).toContain('missing header images are generated');
      // Four posts, one of them with three candidates (the blog's art-direction example): six images.
      expect(first).toMatch(/4 headers · 6 generated · 0 cached · 0 failed/);
      expect(fake.generations()).toHaveLength(4);
      fake.reset();
      const second = await demo(site.dir, env);
      expect(second).toMatch(/4 headers · 0 generated · 6 cached · 0 failed/);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await site.remove();
    }
  });
});
