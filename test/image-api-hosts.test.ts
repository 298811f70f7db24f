import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, listFiles } from './support/fixtures.js';

// The existing fixtures, their configs set to `transport: 'images'`, built against the fake.
// Astro builds need NODE_ENV unset under vitest, and run one at a time in this file.
const SENTINEL = 'sk-or-v1-test-sentinel-image-api-0123456789';
let fake: FakeOpenRouter;
const savedNodeEnv = process.env.NODE_ENV;

beforeAll(async () => {
  delete process.env.NODE_ENV;
  fake = await startFakeOpenRouter({ apiKey: SENTINEL });
});
afterAll(async () => {
  process.env.NODE_ENV = savedNodeEnv;
  await fake.close();
});

const env = () => ({ OPENROUTER_API_KEY: SENTINEL, OPENROUTER_BASE_URL: fake.baseURL });

/** Adds `transport: 'images'` to the options the fixture's config gives headerforge. */
async function useImageApi(configFile: string, call: RegExp): Promise<void> {
  const source = await readFile(configFile, 'utf8');
  const edited = source.replace(call, (match) => `${match} transport: 'images',`);
  expect(edited).not.toBe(source);
  await writeFile(configFile, edited);
}

/** Every sidecar of the site's committed cache (sharded by the key's first two digits). */
async function sidecars(siteDir: string): Promise<Array<Record<string, unknown>>> {
  const dir = join(siteDir, '.headerforge');
  const files = (await listFiles(dir)).filter((file) =>
    /^[0-9a-f]{2}\/[0-9a-f]{64}\.json$/.test(file),
  );
  return Promise.all(
    files.map(async (file) => JSON.parse(await readFile(join(dir, file), 'utf8'))),
  );
}

describe("transport: 'images' in the fixtures", () => {
  it('the Vite blog makes its headers on the Image API, and a switch to chat re-bills nothing', async () => {
    fake.reset();
    const site = await copyFixture('vite-blog', { env: env() });
    try {
      const configFile = join(site.dir, 'vite.config.js');
      await useImageApi(configFile, /headerforge\(\{/);
      const viteBuild = () =>
        build({ root: site.dir, configFile, logLevel: 'warn', mode: 'production' });

      await viteBuild();
      expect(fake.generations().map((request) => request.path)).toEqual([
        '/api/v1/images',
        '/api/v1/images',
      ]);
      expect(fake.generations().every((request) => request.answer?.status === 200)).toBe(true);
      const made = await sidecars(site.dir);
      expect(made).toHaveLength(2);
      for (const sidecar of made) {
        expect(sidecar).toMatchObject({
          transport: 'images',
          servedBy: expect.any(String),
          costUsd: 0.039,
          usage: expect.objectContaining({ cost: 0.039 }),
        });
      }
      const dist = join(site.dir, 'dist');
      const masters = [];
      for (const file of (await listFiles(dist)).filter((name) => name.endsWith('.png'))) {
        const meta = await sharp(join(dist, file)).metadata();
        masters.push(`${meta.width}x${meta.height}`);
      }
      expect(masters).toEqual(['1344x756', '1344x756']);

      // The same site on chat completions: every image is cached, so nothing is paid for.
      fake.reset();
      await writeFile(
        join(site.dir, '.env'),
        `${Object.entries({ ...env(), HEADERFORGE_TRANSPORT: 'chat' })
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
      await viteBuild();
      expect(fake.generations()).toHaveLength(0);
      expect(await sidecars(site.dir)).toEqual(made);
    } finally {
      await site.remove();
    }
  }, 120_000);

  it('the Astro blog makes its headers on the Image API', async () => {
    fake.reset();
    const site = await copyFixture('astro-blog', { env: env() });
    try {
      await useImageApi(join(site.dir, 'astro.config.mjs'), /headerforge\(\{/);
      const { build: astroBuild } = await import('astro');
      await astroBuild({ root: site.dir, logLevel: 'error' });
      const paths = fake.generations().map((request) => request.path);
      expect(paths).toHaveLength(4);
      expect(new Set(paths)).toEqual(new Set(['/api/v1/images']));
      const prompts = fake
        .generations()
        .map((request) => (request.body as { prompt: string }).prompt);
      expect(
        prompts.every((prompt) =>
          prompt.startsWith('Editorial illustration, soft light, no text.\n\n'),
        ),
      ).toBe(true);
      const html = await readFile(
        join(site.dir, 'dist', 'blog', 'lighthouse', 'index.html'),
        'utf8',
      );
      expect(html).toMatch(/<picture><source srcset="[^"]+\.avif 640w/);
      expect((await sidecars(site.dir)).every((sidecar) => sidecar.transport === 'images')).toBe(
        true,
      );
    } finally {
      await site.remove();
    }
  }, 180_000);
});
