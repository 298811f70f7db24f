import { buildHeaders, failuresError, type HeaderforgeOptions } from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  doctorCacheCheck,
  paidImages,
  paidImagesLost,
  undecodableImages,
} from './support/cache-audit.js';
import {
  FAULT_TIMEOUT_MS,
  FAULTS,
  type Fault,
  injectFault,
  printFigures,
} from './support/faults.js';
import { makeSite } from './support/fixtures.js';

// One build of many posts in which every fault of the fake server meets one post, beside
// posts that meet none. The full counts (several posts per fault, random assignment, real
// rate limiting) are in test/stress/faults.test.ts.
const KEY = 'sk-or-v1-test-sentinel-faults';
const STEADY_POSTS = 12;
// The smallest images the API makes (0.5K: 672×384), so that many posts stay cheap.
const OPTIONS: HeaderforgeOptions = {
  include: ['posts/*.md'],
  model: 'google/gemini-3.1-flash-image-preview',
  imageSize: '0.5K',
  widths: [320],
  formats: ['webp'],
  concurrency: 8,
  timeoutMs: FAULT_TIMEOUT_MS,
};

let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof makeSite>>;
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL });

interface Post {
  file: string;
  prompt: string;
  fault?: Fault;
}

const tagOf = (index: number) => `[fault-${index}]`;
const posts: Post[] = [
  ...FAULTS.map((fault, index) => ({
    file: `posts/fault-${String(index).padStart(2, '0')}.md`,
    prompt: `A harbour in the rain, meeting "${fault.name}" ${tagOf(index)}`,
    fault,
  })),
  ...Array.from({ length: STEADY_POSTS }, (_, index) => ({
    file: `posts/steady-${String(index).padStart(2, '0')}.md`,
    prompt: `A quiet meadow at noon, number ${index}`,
  })),
];

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  const files = Object.fromEntries(
    posts.map((post) => [
      post.file,
      `---\ntitle: ${post.file}\nheader: ${JSON.stringify(post.prompt)}\n---\nBody.\n`,
    ]),
  );
  site = await makeSite('faults', files, OPTIONS);
});
afterAll(async () => {
  await fake.close();
  await site?.remove();
});

const build = () =>
  buildHeaders({ root: site.dir, options: OPTIONS, env: env(), client: { retryBaseDelayMs: 20 } });

describe('a build of many posts meeting every fault', () => {
  it('gets every image it can, fails the rest naming the post, keeps every paid image, and caches nothing bad', {
    timeout: 120_000,
  }, async () => {
    posts.forEach((post, index) => {
      if (post.fault) injectFault(fake, post.fault, tagOf(index));
    });
    const result = await build();

    const built = new Set(result.headers.map((header) => header.job.file));
    const failed = new Map(result.failures.map((failure) => [failure.file, failure]));
    const message = failuresError(result)?.message ?? '';
    for (const post of posts) {
      const expected = post.fault?.outcome ?? { survives: true };
      if (expected.survives) {
        expect(
          failed.get(post.file),
          `${post.file} (${post.fault?.name ?? 'no fault'})`,
        ).toBeUndefined();
        expect(built.has(post.file), post.file).toBe(true);
      } else {
        expect(failed.get(post.file), `${post.file} (${post.fault?.name})`).toMatchObject({
          code: expected.code,
          message: expect.stringMatching(expected.message),
        });
        // The error a build ends with names the post, where its header is, and why.
        expect(message).toContain(`${post.file}:3: ${failed.get(post.file)?.message}`);
      }
    }
    expect(built.size + failed.size).toBe(posts.length);

    // The cache holds exactly the images that were made, each verified and decodable.
    const cacheDir = `${site.dir}/.headerforge`;
    expect(await doctorCacheCheck(site.dir, env())).toEqual({
      status: 'ok',
      message: `${built.size} cached images verified (every byte hashed)`,
    });
    expect(await undecodableImages(cacheDir)).toEqual([]);
    const lost = await paidImagesLost(fake, cacheDir);
    expect(lost).toEqual([]);
    const firstRequests = fake.generations().length;
    const paid = paidImages(fake).length;

    // Building again pays only for the posts that failed, and then everything is there.
    fake.reset();
    const again = await build();
    expect(again.failures).toEqual([]);
    expect(again.summary).toMatchObject({ generated: failed.size, cached: built.size, corrupt: 0 });
    const prompts = fake
      .generations()
      .map(
        (request) =>
          (request.body as { messages: Array<{ content: string }> }).messages[0]?.content,
      );
    expect(prompts.sort()).toEqual(
      posts
        .filter((post) => failed.has(post.file))
        .map((post) => post.prompt)
        .sort(),
    );
    const lostAgain = await paidImagesLost(fake, cacheDir);
    expect(lostAgain).toEqual([]);
    expect(await doctorCacheCheck(site.dir, env())).toMatchObject({ status: 'ok' });

    const tried = posts.filter((post) => post.fault);
    printFigures('faults in one build (npm test)', {
      faultsTried: tried.length,
      gotImage: tried.filter((post) => built.has(post.file)).length,
      failedClearly: tried.filter((post) => failed.has(post.file)).length,
      requests: firstRequests + fake.generations().length,
      paidImages: paid + paidImages(fake).length,
      paidImagesLost: lost.length + lostAgain.length,
    });
  });
});
