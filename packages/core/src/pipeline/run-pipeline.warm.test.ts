import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOpenRouterClient } from '../openrouter/client.js';
import { createOpenRouterProvider } from '../providers/openrouter.js';
import { type FakeOpenRouter, startFakeOpenRouter } from '../testing/index.js';
import { sharpCalls } from '../testing/sharp-calls.test-support.js';
import type { HeaderJob } from './header-job.js';
import { runPipeline } from './run-pipeline.js';
import type { PipelineSettings } from './settings.js';

// Every call of sharp() in this file's module graph goes through this counter: the
// pipeline's, the derivation's and the fake server's. The warm run must add none.
vi.mock('sharp', async (original) =>
  (await import('../testing/sharp-calls.test-support.js')).countedSharpModule(await original()),
);

const KEY = 'sk-or-v1-test-sentinel-warm';
const POSTS = 200;
let fake: FakeOpenRouter;
let root: string;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
  root = await mkdtemp(join(tmpdir(), 'hf-warm-'));
});
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

// Small images (0.5K) and one width keep the cold run quick; the warm path is the same.
const jobs: HeaderJob[] = Array.from({ length: POSTS }, (_, i) => ({
  file: `src/content/blog/post-${i}.md`,
  prompt: `Warm cache test illustration number ${i}`,
  userPrompt: `Warm cache test illustration number ${i}`,
  alt: `Illustration ${i}`,
  model: 'google/gemini-3.1-flash-image-preview',
  aspectRatio: '16:9',
  imageSize: '0.5K',
  focus: 'attention',
  auto: false,
}));

describe(`a warm run over ${POSTS} posts`, () => {
  it('makes zero HTTP requests and zero sharp calls', { timeout: 180_000 }, async () => {
    const settings: PipelineSettings = {
      root,
      cacheDir: join(root, '.headerforge'),
      derivedCacheDir: join(root, 'node_modules/.cache/headerforge'),
      concurrency: 8,
      widths: [320],
      formats: ['webp'],
      og: true,
    };
    const provider = () =>
      createOpenRouterProvider(createOpenRouterClient({ apiKey: KEY, baseURL: fake.baseURL }));

    const cold = await runPipeline(jobs, { settings, mode: 'generate', provider: provider() });
    expect(cold.failures).toEqual([]);
    expect(cold.summary.generated).toBe(POSTS);
    expect(fake.generations()).toHaveLength(POSTS);
    expect(sharpCalls.count).toBeGreaterThan(POSTS);

    fake.reset();
    sharpCalls.count = 0;
    const warm = await runPipeline(jobs, { settings, mode: 'generate', provider: provider() });
    expect(fake.requests).toHaveLength(0);
    expect(sharpCalls.count).toBe(0);
    expect(warm.summary).toMatchObject({ posts: POSTS, cached: POSTS, generated: 0, failed: 0 });
    expect(warm.headers).toHaveLength(POSTS);
  });
});
