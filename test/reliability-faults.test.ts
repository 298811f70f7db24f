import type { HeaderforgeOptions } from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkFaultBuild, faultPosts, faultSiteFiles } from './support/fault-build.js';
import { FAULT_TIMEOUT_MS, FAULTS, printFigures, SMALL_SITE } from './support/faults.js';
import { makeSite } from './support/fixtures.js';

// One build of many posts in which every fault of the fake server meets one post, beside
// posts that meet none. The full counts (several posts per fault in a seeded random order,
// real rate limiting) are in test/stress/faults.test.ts (`npm run test:stress`).
const KEY = 'sk-or-v1-test-sentinel-faults';
const OPTIONS: HeaderforgeOptions = {
  ...SMALL_SITE,
  concurrency: 8,
  timeoutMs: FAULT_TIMEOUT_MS,
};
const posts = faultPosts(FAULTS, 1, 12);

let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof makeSite>>;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  site = await makeSite('faults', faultSiteFiles(posts), OPTIONS);
});
afterAll(async () => {
  await fake.close();
  await site?.remove();
});

describe(`a build of ${posts.length} posts meeting every fault`, () => {
  it('gets every image it can, fails the rest naming the post, keeps every paid image, and caches nothing bad', {
    timeout: 120_000,
  }, async () => {
    const figures = await checkFaultBuild({
      fake,
      apiKey: KEY,
      siteDir: site.dir,
      options: OPTIONS,
      posts,
    });
    printFigures(
      `${FAULTS.length} faults, one post each, in a build of ${posts.length} posts`,
      figures,
    );
  });
});
