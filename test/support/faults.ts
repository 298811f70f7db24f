import { join } from 'node:path';
import { buildHeaders, failuresError, type HeaderforgeOptions } from '@headerforge/core';
import type { FakeOpenRouter, FakeScenario } from '@headerforge/core/testing';
import { expect } from 'vitest';
import { doctorCacheCheck, paidImages, paidImagesLost, undecodableImages } from './cache-audit.js';

/** The per-attempt timeout of fault builds: a stall or a slow answer fails after this. */
export const FAULT_TIMEOUT_MS = 4000;

/** What a build must do with a fault: get the image anyway, or fail that post clearly. */
export type FaultOutcome = { survives: true } | { survives: false; code: string; message: RegExp };

export interface Fault {
  name: string;
  scenario: FakeScenario;
  /** How many of the post's requests meet it (default 1); `always`: every one. */
  times?: number;
  always?: boolean;
  outcome: FaultOutcome;
}

const survives: FaultOutcome = { survives: true };
const fails = (code: string, message: RegExp): FaultOutcome => ({
  survives: false,
  code,
  message,
});

/**
 * Every fault of the fake server, as it meets one post of a build (the client's defaults:
 * three attempts for 429, 502/503/504 and connection failures; nothing else is retried,
 * since the provider may already have billed it).
 */
export const FAULTS: readonly Fault[] = [
  {
    name: '429 burst with Retry-After',
    scenario: { kind: 'rate_limit', retryAfter: 0.2 },
    times: 2,
    outcome: survives,
  },
  {
    name: '429 burst without Retry-After',
    scenario: { kind: 'rate_limit' },
    times: 2,
    outcome: survives,
  },
  {
    name: '429 that never ends',
    scenario: { kind: 'rate_limit', retryAfter: 0.1 },
    always: true,
    outcome: fails('rate_limited', /answered 429/),
  },
  {
    name: '500',
    scenario: { kind: 'status', status: 500 },
    outcome: fails('upstream', /answered 500/),
  },
  { name: '502', scenario: { kind: 'status', status: 502 }, times: 2, outcome: survives },
  { name: '503', scenario: { kind: 'status', status: 503 }, times: 2, outcome: survives },
  {
    name: '503 that never ends',
    scenario: { kind: 'status', status: 503 },
    always: true,
    outcome: fails('upstream', /answered 503/),
  },
  { name: 'connection reset', scenario: { kind: 'reset' }, outcome: survives },
  {
    name: 'connection reset every time',
    scenario: { kind: 'reset' },
    always: true,
    outcome: fails('upstream', /Could not reach/),
  },
  {
    name: 'stalled body',
    scenario: { kind: 'stall' },
    outcome: fails('timeout', /did not finish the response/),
  },
  {
    name: 'timeout',
    scenario: { kind: 'latency', ms: 60_000 },
    outcome: fails('timeout', /did not answer/),
  },
  { name: '200 carrying a 502 error', scenario: { kind: 'error_in_200' }, outcome: survives },
  {
    name: '200 carrying a 400 error',
    scenario: { kind: 'error_in_200', code: 400, message: 'Invalid prompt' },
    outcome: fails('invalid_request', /error in a 200 response.*Invalid prompt/),
  },
  {
    name: '200 with no image',
    scenario: { kind: 'no_images' },
    outcome: fails('no_image', /answered without an image/),
  },
  {
    name: 'corrupt base64',
    scenario: { kind: 'invalid_base64' },
    outcome: fails('bad_response', /not valid base64/),
  },
  {
    name: 'non-image bytes',
    scenario: { kind: 'not_an_image' },
    outcome: fails('bad_response', /not PNG, JPEG, WebP, GIF or AVIF/),
  },
  {
    name: 'JPEG labelled PNG',
    scenario: { kind: 'wrong_type' },
    outcome: fails('bad_response', /declared as image\/png but its bytes are image\/jpeg/),
  },
  {
    name: 'decompression bomb',
    scenario: { kind: 'bomb' },
    outcome: fails('bad_response', /60000×60000 pixels/),
  },
  {
    name: 'truncated JSON',
    scenario: { kind: 'truncated_json' },
    outcome: fails('bad_response', /not JSON/),
  },
  { name: 'HTML page from a proxy', scenario: { kind: 'html' }, outcome: survives },
  { name: 'image as an http URL', scenario: { kind: 'image_url' }, outcome: survives },
  { name: '40 MB body', scenario: { kind: 'large_body' }, outcome: survives },
];

/** Queues `fault` for the requests whose prompt contains `tag`, and only those. */
export function injectFault(fake: FakeOpenRouter, fault: Fault, tag: string): void {
  const match = { prompt: tag };
  fake.inject(
    fault.scenario,
    fault.always ? { always: true, match } : { times: fault.times ?? 1, match },
  );
}

/** Counts for a run, printed by the tests and recorded in bench/README.md. */
export interface ReliabilityFigures {
  faultsTried: number;
  /** Posts that got their image all the same (retried, or the fault was harmless). */
  gotImage: number;
  /** Posts that failed with a clear error naming them, the image unpaid or kept. */
  failedClearly: number;
  requests: number;
  /** Answers delivered with image bytes: what the user was billed for. */
  paidImages: number;
  paidImagesLost: number;
}

export function printFigures(title: string, figures: ReliabilityFigures): void {
  const survived = figures.gotImage + figures.failedClearly;
  console.log(
    `[reliability] ${title}: faults tried ${figures.faultsTried} · survived ${survived} (${figures.gotImage} got their image, ${figures.failedClearly} failed naming the post) · requests made ${figures.requests} · paid images ${figures.paidImages} · paid images lost ${figures.paidImagesLost}`,
  );
}

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
  const asked = fake
    .generations()
    .map(
      (request) => (request.body as { messages: Array<{ content: string }> }).messages[0]?.content,
    );
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
