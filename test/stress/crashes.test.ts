import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorCacheCheck, paidImagesLost } from '../support/cache-audit.js';
import { expectCleanCrashRuns, runCrashLoop } from '../support/crash-loop.js';
import { SMALL_IMAGES } from '../support/faults.js';
import { makeSite } from '../support/fixtures.js';
import { testSeed } from '../support/prng.js';

// test/reliability-crashes.test.ts at full size: 100 kills of a 128-image site.
const KEY = 'sk-or-v1-test-sentinel-stress-crashes';
const SEED = testSeed(20_261_001);
const KILLS = 100;
const CONCURRENCY = 6;
const SITE = SMALL_IMAGES;
const prompts = Array.from({ length: 140 }, (_, i) => `A night market, stress crash ${i % 128}`);

let fake: FakeOpenRouter | undefined;
let site: Awaited<ReturnType<typeof makeSite>> | undefined;
afterAll(async () => {
  await fake?.close();
  await site?.remove();
});

describe(`stress: ${KILLS} builds killed with SIGKILL at random points (seed ${SEED})`, () => {
  it('leave no torn file, lose nothing saved, and the normal build after them pays only for the rest', async () => {
    console.log(
      `[reliability] stress crash loop seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`,
    );
    fake = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 60 });
    site = await makeSite('stress-crashes', {}, SITE);
    const outcome = await runCrashLoop({
      fake,
      root: site.dir,
      apiKey: KEY,
      prompts,
      kills: KILLS,
      seed: SEED,
      concurrency: CONCURRENCY,
      ...SITE,
    });
    expectCleanCrashRuns(outcome, CONCURRENCY);
    expect(outcome.final.code).toBe(0);
    expect(outcome.final.requests).toBe(outcome.uniqueKeys - outcome.final.persistedBefore);
    const inFlight = outcome.runs.reduce((sum, run) => sum + run.inFlight, 0);
    expect(outcome.totalRequests).toBeLessThanOrEqual(outcome.uniqueKeys + inFlight);
    expect(await doctorCacheCheck(site.dir, { OPENROUTER_API_KEY: KEY })).toEqual({
      status: 'ok',
      message: `${outcome.uniqueKeys} cached images verified (every byte hashed)`,
    });
    const lost = await paidImagesLost(fake, `${site.dir}/.headerforge`);
    expect(lost).toEqual([]);
    const delivered = outcome.runs.reduce((sum, run) => sum + run.deliveredUnsaved, 0);
    const late = outcome.runs.reduce((sum, run) => sum + run.lateArrivals, 0);
    const torn = outcome.runs.reduce(
      (sum, run) => sum + run.corrupt.length + run.undecodable.length,
      0,
    );
    console.log(
      `[reliability] stress crashes: ${KILLS} SIGKILLs (${outcome.runs.length} builds) then a normal build · requests made ${outcome.totalRequests} for ${outcome.uniqueKeys} keys · in flight when killed ${inFlight} (${delivered} of them delivered but not yet saved, ${late} read by the server after the build died) · torn files ${torn} · paid images lost ${lost.length}`,
    );
  });
});
