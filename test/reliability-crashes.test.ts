import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { resultOf, spawnBuild } from './support/build-process.js';
import { doctorCacheCheck, paidImagesLost } from './support/cache-audit.js';
import { expectCleanCrashRuns, runCrashLoop } from './support/crash-loop.js';
import { SMALL_IMAGES } from './support/faults.js';
import { makeSite } from './support/fixtures.js';
import { testSeed } from './support/prng.js';

// A site built again and again, each build killed with SIGKILL at a random point, then
// built normally. The longer run (100 kills, more posts) is test/stress/crashes.test.ts.
const KEY = 'sk-or-v1-test-sentinel-crashes';
const SEED = testSeed(20_260_808);
const KILLS = 24;
const CONCURRENCY = 4;
const SITE = SMALL_IMAGES;
// 48 images; four posts share a prompt with another, so they share its image.
const prompts = Array.from({ length: 52 }, (_, i) => `A lantern-lit street, crash test ${i % 48}`);

let fake: FakeOpenRouter | undefined;
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  await fake?.close();
  for (const remove of cleanup) await remove();
});

describe(`${KILLS} builds killed with SIGKILL at random points (seed ${SEED})`, () => {
  it('leave no torn file, lose nothing saved, and the normal build after them pays only for the rest', {
    timeout: 300_000,
  }, async () => {
    console.log(`[reliability] crash loop seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`);
    fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 60 });
    const site = await makeSite('crashes', {}, SITE);
    cleanup.push(site.remove);

    const outcome = await runCrashLoop({
      fake,
      root: site.dir,
      apiKey: KEY,
      prompts,
      kills: KILLS,
      seed: SEED,
      concurrency: CONCURRENCY,
      ...SITE,
      // Kept as received, so that every build derives from the same bytes and a fresh site's
      // headers can be compared byte for byte below. The same kills on the default compact
      // storage: test/reliability-compact.test.ts.
      original: 'as-received',
    });

    expectCleanCrashRuns(outcome, CONCURRENCY);
    expect(outcome.runs.filter((run) => run.killed)).toHaveLength(KILLS);
    expect(outcome.final.code).toBe(0);
    // The normal build pays exactly for what no killed build saved.
    expect(outcome.final.requests).toBe(outcome.uniqueKeys - outcome.final.persistedBefore);
    const inFlight = outcome.runs.reduce((sum, run) => sum + run.inFlight, 0);
    expect(outcome.totalRequests).toBeLessThanOrEqual(outcome.uniqueKeys + inFlight);

    expect(await doctorCacheCheck(site.dir, { OPENROUTER_API_KEY: KEY })).toEqual({
      status: 'ok',
      message: `${outcome.uniqueKeys} cached images verified (every byte hashed)`,
    });
    // The killed builds' locks are gone: the normal build removed them, images cached or not.
    const locks = await readdir(join(site.dir, '.headerforge/.locks')).catch(() => []);
    expect(locks.filter((name) => name.endsWith('.lock'))).toEqual([]);
    // Derivations cut short left nothing behind either: a fresh site on the same cache
    // derives byte-identical headers, and pays for nothing.
    const fresh = await mkdtemp(join(tmpdir(), 'hf-crash-fresh-'));
    cleanup.push(() => rm(fresh, { recursive: true, force: true }));
    const before = fake.generations().length;
    const check = spawnBuild({
      root: fresh,
      cacheDir: join(site.dir, '.headerforge'),
      baseURL: fake.baseURL,
      apiKey: KEY,
      prompts,
      ...SITE,
      original: 'as-received',
    });
    expect(await check.exit).toBe(0);
    expect(fake.generations()).toHaveLength(before);
    expect(resultOf(check).headers.map((header) => header.master)).toEqual(outcome.final.masters);

    const delivered = outcome.runs.reduce((sum, run) => sum + run.deliveredUnsaved, 0);
    const late = outcome.runs.reduce((sum, run) => sum + run.lateArrivals, 0);
    const torn = outcome.runs.reduce(
      (sum, run) => sum + run.corrupt.length + run.undecodable.length,
      0,
    );
    const lost = await paidImagesLost(fake, join(site.dir, '.headerforge'));
    expect(lost).toEqual([]);
    console.log(
      `[reliability] crashes: ${KILLS} SIGKILLs (${outcome.runs.length} builds) then a normal build · requests made ${outcome.totalRequests} for ${outcome.uniqueKeys} keys · in flight when killed ${inFlight} (${delivered} of them delivered but not yet saved, ${late} read by the server after the build died) · torn files ${torn} · paid images lost ${lost.length}`,
    );
  });
});
