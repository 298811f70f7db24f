import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// Core's repository-only internals: not in its package.json `exports`, so tests reach the
// built file through this alias (the same module instances as `@headerforge/core`'s).
const CORE_INTERNAL = fileURLToPath(
  new URL('./packages/core/dist/internal/index.js', import.meta.url),
);

// CI reads the JSON report (not vitest's summary) to print its `N passed, N failed` line.
export default defineConfig({
  resolve: { alias: { '@headerforge/core/internal': CORE_INTERNAL } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // The full-size reliability runs: `npm run test:stress` (vitest.stress.config.ts).
    exclude: [...configDefaults.exclude, 'test/stress/**'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
