import { defineConfig } from 'vitest/config';

// `npm run test:stress`: the reliability tests at full size (hundreds of posts, 100 kills,
// 40 MB bodies on several posts, real rate limiting, three real Vite builds at once),
// too slow for every `npm test`. Reduced versions of each run in `npm test`.
export default defineConfig({
  test: {
    include: ['test/stress/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-stress.json' }]],
    // One file at a time: each one already loads the machine on its own.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
