import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Core's repository-only internals: not in its package.json `exports`, so tests reach the
// built file through this alias (the same module instances as `@headerforge/core`'s).
const CORE_INTERNAL = fileURLToPath(
  new URL('./packages/core/dist/internal/index.js', import.meta.url),
);

// `npm run test:stress`: the reliability tests at full size (hundreds of posts, 100 kills,
// 40 MB bodies on several posts, real rate limiting, three real Vite builds at once),
// too slow for every `npm test`. Reduced versions of each run in `npm test`.
export default defineConfig({
  resolve: { alias: { '@headerforge/core/internal': CORE_INTERNAL } },
  test: {
    include: ['test/stress/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-stress.json' }]],
    globalSetup: ['test/support/global-setup.ts'],
    // One file at a time: each one already loads the machine on its own.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
