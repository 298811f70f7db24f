import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCache, keyOf, resultOf, spawnBuild } from './support/build-process.js';
import { paidImagesLost, undecodableImages } from './support/cache-audit.js';
import { SMALL_IMAGES } from './support/faults.js';
import { seededRandom, testSeed } from './support/prng.js';

// Three sites (three roots, three derived caches) building at once on one committed
// cache, as parallel CI jobs on one runner would. Each asks for the same images in its own
// order, so that they meet on every key.
const KEY = 'sk-or-v1-test-sentinel-concurrency';
const SEED = testSeed(20_260_303);
const SITE = SMALL_IMAGES;
const prompts = Array.from({ length: 30 }, (_, i) => `Three builds, one cache: image ${i}`);

let fake: FakeOpenRouter;
let dir: string;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 150 });
  dir = await mkdtemp(join(tmpdir(), 'hf-three-'));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

function shuffled<T>(items: T[], random: ReturnType<typeof seededRandom>): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe(`three builds at once on one cache (seed ${SEED})`, () => {
  it('make one request per key, and the three sites get identical headers', {
    timeout: 120_000,
  }, async () => {
    const random = seededRandom(SEED);
    const cacheDir = join(dir, 'shared-cache');
    const orders = [prompts, [...prompts].reverse(), shuffled(prompts, random)];
    const builds = orders.map((order, site) =>
      spawnBuild({
        root: join(dir, `site-${site}`),
        cacheDir,
        baseURL: fake.baseURL,
        apiKey: KEY,
        prompts: order,
        concurrency: 3,
        ...SITE,
      }),
    );
    expect(await Promise.all(builds.map((build) => build.exit))).toEqual([0, 0, 0]);

    const requested = fake.generations().map((r) => r.prompt);
    expect(requested.sort()).toEqual([...prompts].sort());

    // Per key: the committed original each site serves, byte for byte.
    const views = builds.map((build) =>
      Object.fromEntries(resultOf(build).headers.map((h) => [h.key, { original: h.sha256 }])),
    );
    expect(Object.keys(views[0] ?? {}).sort()).toEqual(prompts.map((p) => keyOf(p, SITE)).sort());
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    // And the exact-ratio header, byte for byte, in the sites that read it from the cache. The
    // site that generated an image derived its header from the pixels as received, not from
    // the compact file the cache holds (issue 16: a new image never loses quality twice).
    for (const key of Object.keys(views[0] ?? {})) {
      const fromCache = builds
        .flatMap((build) => resultOf(build).headers.filter((h) => h.key === key))
        .filter((h) => h.source !== 'generated')
        .map((h) => h.master);
      expect(fromCache).toHaveLength(2);
      expect(new Set(fromCache).size).toBe(1);
    }
    // Each image was made by one build; the others waited for it or found it cached.
    const sources = builds.flatMap((build) => resultOf(build).headers.map((h) => h.source));
    expect(sources.filter((source) => source === 'generated')).toHaveLength(prompts.length);

    expect(await auditCache(cacheDir, prompts, SITE)).toMatchObject({
      hits: prompts.length,
      orphans: 0,
      corrupt: [],
    });
    expect(await undecodableImages(cacheDir)).toEqual([]);
    expect(await paidImagesLost(fake, cacheDir)).toEqual([]);
    console.log(
      `[reliability] concurrency: 3 builds at once on one cache · ${prompts.length} keys · requests made ${fake.generations().length} · ${sources.filter((s) => s === 'reused').length} images waited for, ${sources.filter((s) => s === 'cache').length} found cached`,
    );
  });
});
