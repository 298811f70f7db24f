/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on
 * every machine, so a random schedule (kill points, fault assignment) can be replayed by
 * running again with the seed a test printed.
 */
export function seededRandom(seed: number): {
  next: () => number;
  int: (min: number, max: number) => number;
} {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** A whole number in [min, max], both included. */
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int };
}

/** The seed for a test's random schedule: HEADERFORGE_TEST_SEED when set, else `fallback`. */
export function testSeed(fallback: number): number {
  const given = process.env.HEADERFORGE_TEST_SEED;
  if (given === undefined || given === '') return fallback;
  const seed = Number(given);
  if (!Number.isInteger(seed))
    throw new Error(`HEADERFORGE_TEST_SEED must be an integer, got "${given}"`);
  return seed;
}
