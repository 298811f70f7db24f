import { buildHeaders, type HeaderforgeOptions } from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorCacheCheck, paidImages, paidImagesLost } from '../support/cache-audit.js';
import { checkFaultBuild, faultPosts, faultSiteFiles } from '../support/fault-build.js';
import { FAULT_TIMEOUT_MS, FAULTS, printFigures, SMALL_SITE } from '../support/faults.js';
import { makeSite } from '../support/fixtures.js';
import { seededRandom, testSeed } from '../support/prng.js';

// The fault matrix at full size: every fault on four posts (four 40 MB bodies among them),
// spread by a seeded shuffle among sixty posts that meet none; then real rate limiting.
const KEY = 'sk-or-v1-test-sentinel-stress-faults';
const SEED = testSeed(20_260_888);
const PER_FAULT = 4;
const STEADY = 60;
const OPTIONS: HeaderforgeOptions = {
  ...SMALL_SITE,
  concurrency: 8,
  timeoutMs: FAULT_TIMEOUT_MS,
};

const fakes: FakeOpenRouter[] = [];
const sites: Array<Awaited<ReturnType<typeof makeSite>>> = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
  for (const site of sites) await site.remove();
});

function shuffle<T>(items: T[]): T[] {
  const random = seededRandom(SEED);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe(`stress: ${FAULTS.length} faults × ${PER_FAULT} posts among ${STEADY} more (seed ${SEED})`, () => {
  it('every post gets its image or fails naming itself; no paid image is lost; nothing bad is cached', async () => {
    console.log(
      `[reliability] stress faults seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`,
    );
    const fake = await startFakeOpenRouter({ apiKey: KEY });
    fakes.push(fake);
    const posts = faultPosts(FAULTS, PER_FAULT, STEADY, shuffle);
    const site = await makeSite('stress-faults', faultSiteFiles(posts), OPTIONS);
    sites.push(site);
    const figures = await checkFaultBuild({
      fake,
      apiKey: KEY,
      siteDir: site.dir,
      options: OPTIONS,
      posts,
    });
    printFigures(
      `stress: ${FAULTS.length} faults × ${PER_FAULT} posts in a build of ${posts.length} posts`,
      figures,
    );
  });
});

describe('stress: a server that rate-limits for real (8 images a second, Retry-After)', () => {
  it('every post gets its image or fails as rate limited, naming itself; builds again until done, paying once per image', async () => {
    const fake = await startFakeOpenRouter({
      apiKey: KEY,
      rateLimit: { requests: 8, windowMs: 1000 },
    });
    fakes.push(fake);
    const posts = faultPosts([], 0, 80);
    const options = { ...OPTIONS, concurrency: 16 };
    const site = await makeSite('stress-rate-limit', faultSiteFiles(posts), options);
    sites.push(site);
    const env = { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL };
    const builds: Array<{ built: number; failed: number }> = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const result = await buildHeaders({ root: site.dir, options, env });
      for (const failure of result.failures) {
        expect(failure, failure.file).toMatchObject({
          code: 'rate_limited',
          message: expect.stringContaining('answered 429'),
        });
      }
      expect(result.headers.length + result.failures.length).toBe(posts.length);
      builds.push({ built: result.summary.generated, failed: result.failures.length });
      if (result.failures.length === 0) break;
    }
    expect(builds.at(-1)?.failed).toBe(0);
    const accepted = fake.generations().filter((request) => request.answer?.status === 200);
    expect(accepted).toHaveLength(posts.length);
    expect(paidImages(fake)).toHaveLength(posts.length);
    const lost = await paidImagesLost(fake, `${site.dir}/.headerforge`);
    expect(lost).toEqual([]);
    expect(await doctorCacheCheck(site.dir, env)).toMatchObject({ status: 'ok' });
    const refused = fake.generations().length - accepted.length;
    console.log(
      `[reliability] stress rate limit: ${posts.length} posts at 8 images/s, concurrency 16 · ${builds.length} builds (${builds.map((b) => `${b.built} made, ${b.failed} rate-limited`).join('; ')}) · requests made ${fake.generations().length} (${refused} refused with 429) · paid images ${accepted.length} · paid images lost ${lost.length}`,
    );
  });
});
