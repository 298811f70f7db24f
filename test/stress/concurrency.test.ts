import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorCacheCheck, paidImagesLost } from '../support/cache-audit.js';
import { copyFixture, listFiles } from '../support/fixtures.js';

// test/reliability-concurrency.test.ts with real sites: three copies of fixtures/vite-blog,
// each with twenty more posts, built at once by `vite build` on one shared cache.
const KEY = 'sk-or-v1-test-sentinel-stress-three-sites';
const EXTRA_POSTS = 20;
const vite = join(import.meta.dirname, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js');

let fake: FakeOpenRouter | undefined;
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  await fake?.close();
  for (const remove of cleanup) await remove();
});

function viteBuild(dir: string): Promise<{ code: number; output: string }> {
  const { OPENROUTER_API_KEY: _key, NODE_ENV: _env, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vite, 'build'],
      { cwd: dir, env: inherited },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          output: `${stdout}${stderr}`,
        }),
    );
  });
}

/** The images a built site serves: content-hashed names, with the hash of their bytes. */
async function servedImages(dir: string): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const file of await listFiles(join(dir, 'dist'))) {
    if (!/\.(png|jpe?g|webp|avif)$/.test(file)) continue;
    images[file] = createHash('sha256')
      .update(await readFile(join(dir, 'dist', file)))
      .digest('hex');
  }
  return images;
}

describe('stress: three Vite sites built at once on one cache', () => {
  it('make one request per image, and serve byte-identical headers', async () => {
    fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 300 });
    const shared = await mkdtemp(join(tmpdir(), 'hf-shared-cache-'));
    cleanup.push(() => rm(shared, { recursive: true, force: true }));
    const sites: string[] = [];
    for (let i = 0; i < 3; i++) {
      const copy = await copyFixture('vite-blog', {
        env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
      });
      cleanup.push(copy.remove);
      const config = join(copy.dir, 'vite.config.js');
      const text = await readFile(config, 'utf8');
      await writeFile(
        config,
        text.replace(
          "include: ['posts/**/*.md'],",
          // Kept as received: stored compactly, the site that paid for an image derives from
          // the PNG it received and the others from the cache's AVIF (by design, so that a new
          // image never loses quality twice), and their files would differ by that.
          `include: ['posts/**/*.md'],\n      cacheDir: ${JSON.stringify(shared)},\n      outsideRoot: [${JSON.stringify(shared)}],\n      original: 'as-received',`,
        ),
      );
      for (let n = 0; n < EXTRA_POSTS; n++) {
        await writeFile(
          join(copy.dir, 'posts', `extra-${n}.md`),
          `---\ntitle: Extra ${n}\nheader: "A paper boat on a pond, number ${n}"\n---\n`,
        );
      }
      sites.push(copy.dir);
    }

    const results = await Promise.all(sites.map(viteBuild));
    for (const result of results) expect(result.code, result.output).toBe(0);

    const prompts = fake.generations().map((r) => r.prompt);
    expect(prompts).toHaveLength(EXTRA_POSTS + 2);
    expect(new Set(prompts).size).toBe(prompts.length);

    const [first, ...others] = await Promise.all(sites.map(servedImages));
    expect(Object.keys(first ?? {}).length).toBeGreaterThan(EXTRA_POSTS * 4);
    for (const other of others) expect(other).toEqual(first);
    expect(await paidImagesLost(fake, shared)).toEqual([]);
    expect(await doctorCacheCheck(sites[0] as string, { OPENROUTER_API_KEY: KEY })).toEqual({
      status: 'ok',
      message: `${EXTRA_POSTS + 2} cached images verified (every byte hashed)`,
    });
    console.log(
      `[reliability] stress concurrency: 3 vite builds at once on one cache · ${EXTRA_POSTS + 2} images · requests made ${fake.generations().length} · ${Object.keys(first ?? {}).length} identical image files in each dist/`,
    );
  });
});
