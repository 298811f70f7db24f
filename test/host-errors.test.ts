import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture } from './support/fixtures.js';

// A user's mistake (a bad post, a bad option, a revoked key) as the real `vite build` and
// `astro build` print it: the message and its hint, and no stack trace at all (not even
// the frames of Vite's bundler, which wraps a mistake thrown from `buildStart`).
const KEY = 'sk-or-v1-test-sentinel-host-errors';
const repo = join(import.meta.dirname, '..');
const bins = {
  'vite-blog': join(repo, 'node_modules', 'vite', 'bin', 'vite.js'),
  'astro-blog': join(repo, 'node_modules', 'astro', 'bin', 'astro.mjs'),
} as const;
type Fixture = keyof typeof bins;
const posts: Record<Fixture, string> = {
  'vite-blog': 'posts/hello-world.md',
  'astro-blog': 'src/content/blog/lighthouse.md',
};
const configs: Record<Fixture, string> = {
  'vite-blog': 'vite.config.js',
  'astro-blog': 'astro.config.mjs',
};

let fake: FakeOpenRouter;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(() => fake.close());

/** `vite build` or `astro build` of a copy of `fixture` after `spoil`; its exit code and output. */
async function buildAfter(
  fixture: Fixture,
  spoil: (dir: string) => Promise<void>,
  apiKey = KEY,
): Promise<{ code: number; output: string }> {
  const site = await copyFixture(fixture, {
    env: { OPENROUTER_API_KEY: apiKey, OPENROUTER_BASE_URL: fake.baseURL },
  });
  try {
    await spoil(site.dir);
    const { OPENROUTER_API_KEY: _key, NODE_ENV: _env, VITEST: _vitest, ...env } = process.env;
    return await new Promise((resolve) => {
      execFile(
        process.execPath,
        [bins[fixture], 'build'],
        { cwd: site.dir, env, maxBuffer: 16 * 2 ** 20 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number((error as { code?: number }).code ?? 1) : 0,
            output: `${stdout}\n${stderr}`,
          }),
      );
    });
  } finally {
    await site.remove();
  }
}

const edit = async (file: string, change: (text: string) => string) =>
  writeFile(file, change(await readFile(file, 'utf8')));

/** No stack trace, and no error's fields printed as an object. */
function expectNoTrace(output: string): void {
  expect(output).not.toMatch(/Stack trace:/);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/retryable:|code: '/);
}

describe.each(Object.keys(bins) as Fixture[])('%s build output for a user mistake', (fixture) => {
  it('a bad post: its file, line and field, the hint, no stack trace', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await buildAfter(fixture, (dir) =>
      edit(join(dir, posts[fixture]), (text) =>
        text.replace(/^header:.*(\n {2}.*)*/m, 'header: 5'),
      ),
    );
    expect(code).not.toBe(0);
    expect(output).toMatch(
      new RegExp(`${posts[fixture].replaceAll('.', '\\.')}:\\d+: "header" must be a prompt string`),
    );
    expect(output).toMatch(/Write header as a prompt string/);
    expectNoTrace(output);
  });

  it('a bad option: the option and what it expects, no stack trace', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await buildAfter(fixture, (dir) =>
      edit(join(dir, configs[fixture]), (text) =>
        text.replace(/headerforge\(\{/, 'headerforge({\n      concurrency: 0,'),
      ),
    );
    expect(code).not.toBe(0);
    expect(output).toMatch(
      /Invalid headerforge option "concurrency": expected an integer from 1 to/,
    );
    expectNoTrace(output);
  });

  it('a revoked key: said once with its hint, no stack trace', { timeout: 120_000 }, async () => {
    // A copy has no cached image: every post needs a request.
    const { code, output } = await buildAfter(fixture, async () => {}, 'sk-or-v1-revoked');
    expect(code).not.toBe(0);
    expect(output).toMatch(/OpenRouter answered 401.*No more requests in this build\./);
    expect(output).toMatch(/Check OPENROUTER_API_KEY/);
    expectNoTrace(output);
  });
});
