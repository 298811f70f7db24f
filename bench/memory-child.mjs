// One build of N 4K images in a fresh process, printing its peak RSS. Derivation is kept
// small (one width, one format): the figure is about large base64 bodies, not encoders.
import { join } from 'node:path';
import { createOpenRouterClient, createOpenRouterProvider, runPipeline } from '@headerforge/core';
import { peakRssMiB } from './peak-rss.mjs';

const { n, root, baseURL, apiKey } = JSON.parse(process.argv[2]);
const jobs = Array.from({ length: n }, (_, i) => ({
  file: `src/content/blog/memory-${i}.md`,
  prompt: `memory benchmark image ${i}`,
  userPrompt: `memory benchmark image ${i}`,
  alt: `Image ${i}`,
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '4K',
  focus: 'attention',
  auto: false,
}));
const started = performance.now();
const result = await runPipeline(jobs, {
  settings: {
    root,
    cacheDir: join(root, '.headerforge'),
    derivedCacheDir: join(root, 'node_modules/.cache/headerforge'),
    concurrency: 4,
    widths: [640],
    formats: ['webp'],
    og: false,
    ...(process.env.BENCH_ORIGINAL ? { original: process.env.BENCH_ORIGINAL } : {}),
  },
  mode: 'generate',
  provider: createOpenRouterProvider(createOpenRouterClient({ apiKey, baseURL })),
});
process.stdout.write(
  JSON.stringify({
    n,
    generated: result.summary.generated,
    failed: result.summary.failed,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    peakRssMiB: peakRssMiB(),
  }),
);
