import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildHeaders, failuresError, type HeaderforgeOptions } from '@headerforge/core';
import { jobKeyInput, openImageStore } from '@headerforge/core/internal';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedFiles } from './support/build-process.js';
import { doctorCacheCheck, paidImagesLost, undecodableImages } from './support/cache-audit.js';
import { SMALL_SITE } from './support/faults.js';
import { makeSite } from './support/fixtures.js';

// Both caches on a tmpfs of 1 MiB: room for a few of the 24 images and their variants.
// Mounting needs root; elsewhere the test is skipped and says why.
const KEY = 'sk-or-v1-test-sentinel-disk-full';
const POSTS = 24;
const CONCURRENCY = 4;
const OPTIONS: HeaderforgeOptions = {
  ...SMALL_SITE,
  concurrency: CONCURRENCY,
  cacheDir: 'disk/cache',
  derivedCacheDir: 'disk/derived',
};

let fake: FakeOpenRouter | undefined;
let site: Awaited<ReturnType<typeof makeSite>> | undefined;
let disk: string | undefined;
let mounted = false;
let skipped: string | undefined =
  process.getuid?.() === 0 ? undefined : 'not running as root, and mounting a tmpfs needs root';

beforeAll(async () => {
  if (skipped) return;
  const posts = Object.fromEntries(
    Array.from({ length: POSTS }, (_, i) => [
      `posts/post-${String(i).padStart(2, '0')}.md`,
      `---\nheader: "A lighthouse on a full disk, number ${i}"\n---\n`,
    ]),
  );
  site = await makeSite('disk-full', posts, OPTIONS);
  disk = join(site.dir, 'disk');
  await mkdir(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    skipped = `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
    return;
  }
  fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 30 });
});
afterAll(async () => {
  await fake?.close();
  if (mounted && disk) execFileSync('umount', [disk]);
  await site?.remove();
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake?.baseURL ?? '' });
/**
 * A build, by default with a body limit small enough for the room check before each request
 * to pass on the 1 MiB disk until it is nearly full (an answer here is at most ~150 KB).
 */
const build = (maxResponseBytes = ANSWER_LIMIT) =>
  buildHeaders({
    root: site?.dir ?? '',
    options: OPTIONS,
    env: env(),
    client: { retryBaseDelayMs: 20, maxResponseBytes },
  });
const ANSWER_LIMIT = 192 * 2 ** 10;

describe('a build whose disk fills up', () => {
  it('stops before paying when the disk cannot hold one answer', async (context) => {
    if (skipped || !fake || !site) {
      context.skip(skipped);
      return;
    }
    // The default body limit (128 MiB) cannot land on a 1 MiB disk: no request is made.
    const result = await build(128 * 2 ** 20);
    expect(fake.generations()).toHaveLength(0);
    expect(result.failures).toHaveLength(POSTS);
    for (const failure of result.failures) {
      expect(failure, failure.file).toMatchObject({
        code: 'io',
        message: expect.stringMatching(/disk is full.*nothing was paid for|disk is full/),
        hint: expect.stringMatching(/free space/i),
      });
    }
    expect(result.failures[0]?.message).toMatch(
      // Each request counts the ones in flight beside it: 256 MiB for the first, more after.
      /^The disk is full: not generated for posts\/post-\d+\.md, nothing was paid for\. The disk holding .*disk\/cache has [\d.]+ MiB free; an answer may need \d+ MiB/,
    );
    // Whichever request met the full disk first, every post says why in the same words.
    for (const failure of result.failures) {
      expect(failure.message).toMatch(
        new RegExp(
          `^The disk is full: not generated for ${failure.file}, nothing was paid for\\. The disk holding .*disk/cache has [\\d.]+ MiB free`,
        ),
      );
    }
    expect(await committedFiles(join(site.dir, 'disk', 'cache'))).toEqual([]);
    fake.reset();
  });

  it('fails with a clear error naming the posts, leaves no corrupt entry, and stops paying', {
    timeout: 120_000,
  }, async (context) => {
    if (skipped || !fake || !site) {
      console.warn(`[reliability] disk-full test skipped: ${skipped}`);
      context.skip(skipped);
      return;
    }
    const cacheDir = join(site.dir, 'disk', 'cache');
    const result = await build();

    expect(result.failures.length).toBeGreaterThan(0);
    const message = failuresError(result)?.message ?? '';
    for (const failure of result.failures) {
      expect(failure, failure.file).toMatchObject({
        code: 'io',
        message: expect.stringMatching(/disk is full/),
        hint: expect.stringMatching(/free space/i),
      });
      expect(message).toContain(`${failure.file}:2: ${failure.message}`);
    }

    // Every post's entry is a verified hit or a clean miss: nothing half-written.
    const store = openImageStore(cacheDir, { readOnly: true });
    for (const job of result.scan.jobs) {
      const found = await store.lookup(jobKeyInput(job));
      expect(found.status, job.file).not.toBe('corrupt');
    }
    expect((await doctorCacheCheck(site.dir, env())).status).not.toBe('fail');
    expect(await undecodableImages(cacheDir)).toEqual([]);
    // Once the disk is full, no new image is paid for: only those already in flight are lost.
    const lost = await paidImagesLost(fake, cacheDir);
    expect(lost.length).toBeLessThanOrEqual(CONCURRENCY);
    // Keys with an image on disk: a key stored compactly may hold its received file and its
    // compact one when the disk filled between their writes (the next build keeps the first).
    const saved = [
      ...new Set(
        (await committedFiles(cacheDir))
          .filter((name) => !name.endsWith('.json'))
          .map((name) => name.slice(0, 64)),
      ),
    ];
    expect(saved.length).toBeGreaterThan(0);
    const requests = fake.generations().length;
    expect(requests).toBeLessThanOrEqual(saved.length + CONCURRENCY);

    // With room again, the next build pays only for the rest, and everything verifies.
    execFileSync('mount', ['-o', 'remount,size=64m', 'tmpfs', join(site.dir, 'disk')]);
    fake.reset();
    const again = await build();
    expect(again.failures).toEqual([]);
    expect(fake.generations()).toHaveLength(POSTS - saved.length);
    expect(await paidImagesLost(fake, cacheDir)).toEqual([]);
    expect(await doctorCacheCheck(site.dir, env())).toEqual({
      status: 'ok',
      message: `${POSTS} cached images verified (every byte hashed)`,
    });
    console.log(
      `[reliability] disk full: ${POSTS} posts on a 1 MiB tmpfs · ${result.headers.length} built, ${result.failures.length} failed naming the post, ${saved.length} paid images saved · requests made ${requests} · paid images lost ${lost.length} (in flight when the disk filled) · after freeing space: ${fake.generations().length} requests, 0 failed`,
    );
  });
});
