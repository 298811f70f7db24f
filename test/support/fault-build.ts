import { join } from 'node:path';
import { buildHeaders, failuresError, type HeaderforgeOptions } from '@headerforge/core';
import type { FakeOpenRouter } from '@headerforge/core/testing';
import { expect } from 'vitest';
import { doctorCacheCheck, paidImages, paidImagesLost, undecodableImages } from './cache-audit.js';
import { type Fault, injectFault, type ReliabilityFigures } from './faults.js';

/** A post of a fault build: its own tag in its prompt, and the fault it meets, if any. */
export interface FaultPost {
  file: string;
  prompt: string;
  /** A substring of the prompt that no other prompt contains. */
  tag: string;
  fault?: Fault;
}

/** Posts meeting `faults` (each `perFault` times) among `steady` posts that meet none. */
export function faultPosts(
  faults: readonly Fault[],
  perFault: number,
  steady: number,
  order: <T>(items: T[]) => T[] = (items) => items,
): FaultPost[] {
  const assigned: Array<Fault | undefined> = [
    ...faults.flatMap((fault) => Array.from({ length: perFault }, () => fault)),
    ...Array.from({ length: steady }, () => undefined),
  ];
  return order(assigned).map((fault, index) => {
    const number = String(index).padStart(3, '0');
    const tag = `[post-${number}]`;
    return {
      file: `posts/post-${number}.md`,
      prompt: fault
        ? `A harbour in the rain, meeting "${fault.name}" ${tag}`
        : `A quiet meadow at noon ${tag}`,
      tag,
      ...(fault ? { fault } : {}),
    };
  });
}

export function faultSiteFiles(posts: FaultPost[]): Record<string, string> {
  return Object.fromEntries(
    posts.map((post) => [
      post.file,
      `---\ntitle: ${post.file}\nheader: ${JSON.stringify(post.prompt)}\n---\nBody.\n`,
    ]),
  );
}

/**
 * The fault scenario, start to end: one build of `posts` with each post's fault injected,
 * then the checks: each post got its image or failed naming itself as its fault says; the
 * cache verifies (doctor), decodes and lost no paid image; a second build pays only for
 * the failures. Returns the figures.
 */
export async function checkFaultBuild(settings: {
  fake: FakeOpenRouter;
  apiKey: string;
  siteDir: string;
  options: HeaderforgeOptions;
  posts: FaultPost[];
}): Promise<ReliabilityFigures> {
  const { fake, siteDir, options, posts } = settings;
  const env = { OPENROUTER_API_KEY: settings.apiKey, OPENROUTER_BASE_URL: fake.baseURL };
  const build = () =>
    buildHeaders({ root: siteDir, options, env, client: { retryBaseDelayMs: 20 } });
  for (const post of posts) if (post.fault) injectFault(fake, post.fault, post.tag);
  const result = await build();

  const built = new Set(result.headers.map((header) => header.job.file));
  const failed = new Map(result.failures.map((failure) => [failure.file, failure]));
  const message = failuresError(result)?.message ?? '';
  for (const post of posts) {
    const expected = post.fault?.outcome ?? { survives: true };
    const which = `${post.file} (${post.fault?.name ?? 'no fault'})`;
    if (expected.survives) {
      expect(failed.get(post.file), which).toBeUndefined();
      expect(built.has(post.file), which).toBe(true);
    } else {
      expect(failed.get(post.file), which).toMatchObject({
        code: expected.code,
        message: expect.stringMatching(expected.message),
      });
      // The error a build ends with names the post, where its header is, and why.
      expect(message).toContain(`${post.file}:3: ${failed.get(post.file)?.message}`);
    }
  }
  expect(built.size + failed.size).toBe(posts.length);

  // The cache holds exactly the images that were made, each verified and decodable.
  const cacheDir = join(siteDir, '.headerforge');
  expect(await doctorCacheCheck(siteDir, env)).toEqual({
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
  const asked = fake.generations().map((request) => request.prompt);
  expect(asked.sort()).toEqual(
    posts
      .filter((post) => failed.has(post.file))
      .map((post) => post.prompt)
      .sort(),
  );
  const lostAgain = await paidImagesLost(fake, cacheDir);
  expect(lostAgain).toEqual([]);
  expect(await doctorCacheCheck(siteDir, env)).toMatchObject({ status: 'ok' });

  const tried = posts.filter((post) => post.fault);
  return {
    faultsTried: tried.length,
    gotImage: tried.filter((post) => built.has(post.file)).length,
    failedClearly: tried.filter((post) => failed.has(post.file)).length,
    requests: firstRequests + fake.generations().length,
    paidImages: paid + paidImages(fake).length,
    paidImagesLost: lost.length + lostAgain.length,
  };
}
