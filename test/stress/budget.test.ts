import { describe, it } from 'vitest';
import { budgetRounds } from '../support/budget-rounds.js';
import { testSeed } from '../support/prng.js';

// Many builds, each with its own random per-image price, cap, concurrency and faults: what
// the fake billed never passes the cap, and the summary never shows less than was billed.
// test/reliability-budget.test.ts at full size.
const RUNS = 500;
const SEED = testSeed(Math.floor(Math.random() * 2 ** 31));

describe(`${RUNS} builds with random prices, caps and faults (seed ${SEED})`, () => {
  it('never spend past maxCostUsd, and never show less than was billed', {
    timeout: 1_200_000,
  }, async () => {
    console.log(
      `[reliability] stress budget seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`,
    );
    const f = await budgetRounds(RUNS, SEED);
    console.log(
      `[reliability] stress budget: ${f.runs} builds · ${f.requests} requests · billed $${f.billed.toFixed(4)} against caps totalling $${f.capped.toFixed(4)} · ${f.refusedBilled} refused answers billed and counted · overspent 0`,
    );
  });
});
