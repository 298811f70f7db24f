import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RemoteCache } from '../cache/remote-cache.js';
import { createOpenRouterClient } from '../openrouter/client.js';
import { createOpenRouterProvider } from '../providers/openrouter.js';
import type { Provider } from '../providers/provider.js';
import { fakeSiteForEachTest } from '../testing/fake-site.test-support.js';
import { type FakeOpenRouter, startFakeOpenRouter } from '../testing/index.js';
import type { PipelineEvent } from './events.js';
import type { HeaderJob } from './header-job.js';
import { runPipeline } from './run-pipeline.js';
import type { PipelineSettings } from './settings.js';

const KEY = 'sk-or-v1-test-sentinel-pipeline';
let fake: FakeOpenRouter;
let root: string;

fakeSiteForEachTest(KEY, 'hf-pipeline-', (made) => {
  ({ fake, root } = made);
});

function settings(overrides: Partial<PipelineSettings> = {}): PipelineSettings {
  return {
    root,
    cacheDir: join(root, '.headerforge'),
    derivedCacheDir: join(root, 'node_modules/.cache/headerforge'),
    concurrency: 4,
    widths: [320, 640],
    formats: ['webp', 'jpeg'],
    og: true,
    ...overrides,
  };
}

function job(file: string, prompt: string, overrides: Partial<HeaderJob> = {}): HeaderJob {
  return {
    file,
    prompt,
    userPrompt: prompt,
    alt: prompt,
    model: 'google/gemini-2.5-flash-image',
    aspectRatio: '16:9',
    imageSize: '1K',
    focus: 'attention',
    auto: false,
    ...overrides,
  };
}

const provider = () =>
  createOpenRouterProvider(
    createOpenRouterClient({ apiKey: KEY, baseURL: fake.baseURL, retryBaseDelayMs: 5 }),
  );

async function generate(
  jobs: HeaderJob[],
  overrides: Partial<PipelineSettings> = {},
  events: PipelineEvent[] = [],
) {
  return runPipeline(jobs, {
    settings: settings(overrides),
    mode: 'generate',
    provider: provider(),
    onEvent: (e) => events.push(e),
  });
}

const posts = [
  job('src/content/a.md', 'A lighthouse at dusk, watercolour'),
  job('src/content/b.md', 'A fox in the snow, woodcut'),
  job('src/content/c.md', 'A lighthouse at dusk, watercolour'),
];

describe('runPipeline', () => {
  it('generates each distinct prompt once, then serves everything from the cache', async () => {
    const cold = await generate(posts);
    expect(cold.failures).toEqual([]);
    expect(fake.generations()).toHaveLength(2);
    expect(cold.summary).toMatchObject({ posts: 3, unique: 2, generated: 2, cached: 0, failed: 0 });
    expect(cold.summary.costUsd).toBeGreaterThan(0);
    expect(cold.headers.map((h) => h.job.file)).toEqual([
      'src/content/a.md',
      'src/content/b.md',
      'src/content/c.md',
    ]);
    expect(cold.headers[0]?.key).toBe(cold.headers[2]?.key);

    const [a] = cold.headers;
    expect(a?.original).toMatchObject({ width: 1344, height: 768 });
    const master = await sharp(a?.derived.master.file).metadata();
    expect([master.width, master.height]).toEqual([1344, 756]);
    const og = await sharp(a?.derived.og?.file).metadata();
    expect([og.width, og.height, og.format]).toEqual([1200, 630, 'jpeg']);
    expect(a?.derived.variants.map((v) => `${v.format}@${v.width}x${v.height}`)).toEqual([
      'jpeg@320x180',
      'jpeg@640x360',
      'webp@320x180',
      'webp@640x360',
    ]);

    fake.reset();
    const warm = await generate(posts);
    expect(fake.requests).toHaveLength(0);
    expect(warm.summary).toMatchObject({ generated: 0, cached: 2, costUsd: 0 });
    expect(warm.headers.map((h) => h.derived.master.file)).toEqual(
      cold.headers.map((h) => h.derived.master.file),
    );
  });

  it('never pays again when only widths or formats change', async () => {
    await generate(posts);
    fake.reset();
    const changed = await generate(posts, { widths: [480], formats: ['avif'] });
    expect(fake.requests).toHaveLength(0);
    expect(changed.headers[0]?.derived.variants.map((v) => `${v.format}@${v.width}`)).toEqual([
      'avif@480',
    ]);
  });

  it('keeps other posts’ images when one post fails, and lists the failure with its hint', async () => {
    fake.inject(
      { kind: 'status', status: 400, message: 'Invalid prompt' },
      { always: true, match: { prompt: 'fox' } },
    );
    const result = await generate(posts);
    expect(result.headers.map((h) => h.job.file)).toEqual(['src/content/a.md', 'src/content/c.md']);
    expect(result.failures).toEqual([
      expect.objectContaining({
        file: 'src/content/b.md',
        code: 'invalid_request',
        message: expect.stringContaining('Invalid prompt'),
      }),
    ]);
    expect(result.failures[0]?.hint).toBeTruthy();
    fake.reset();
    const again = await generate(posts);
    expect(fake.generations()).toHaveLength(1);
    expect(again.failures).toEqual([]);
  });

  it('stops before maxNewImages and reports what it skipped', async () => {
    const events: PipelineEvent[] = [];
    const many = [1, 2, 3, 4].map((n) => job(`src/content/p${n}.md`, `Prompt number ${n}`));
    const result = await generate(many, { maxNewImages: 2, concurrency: 1 }, events);
    expect(fake.generations()).toHaveLength(2);
    expect(result.summary).toMatchObject({ generated: 2, skipped: 2, failed: 2 });
    expect(result.failures.map((f) => f.code)).toEqual(['budget_exceeded', 'budget_exceeded']);
    expect(result.failures[0]?.message).toContain('maxNewImages (2)');
    expect(events.filter((e) => e.type === 'skipped')).toHaveLength(2);
  });

  it.each([1, 4, 8])(
    'never spends past maxCostUsd at concurrency %i: each request reserves its worst case first',
    async (concurrency) => {
      const many = [1, 2, 3, 4, 5, 6].map((n) => job(`src/content/p${n}.md`, `Costly prompt ${n}`));
      // Nano Banana on the Image API: $0.039 an image, so $0.10 pays for two and not a third.
      const result = await generate(many, { maxCostUsd: 0.1, concurrency });
      expect(fake.generations()).toHaveLength(2);
      expect(result.summary.costUsd).toBeCloseTo(0.078);
      expect(result.summary.costUsd).toBeLessThanOrEqual(0.1);
      expect(result.failures).toHaveLength(4);
      expect(result.failures[0]).toMatchObject({
        code: 'budget_exceeded',
        message: expect.stringContaining('maxCostUsd'),
      });
    },
  );

  it('on chat completions reserves the prompt plus max_tokens of output, then counts the reported cost', async () => {
    // A model priced per token only (no per-image price on the Image API to reserve instead).
    const painter = {
      id: 'acme/painter',
      name: 'Acme: Painter',
      architecture: { input_modalities: ['text'], output_modalities: ['image', 'text'] },
      pricing: { prompt: '0.0000003', completion: '0.0000025' },
    };
    const tokens = await startFakeOpenRouter({ apiKey: KEY, models: [painter] });
    try {
      const chat = createOpenRouterProvider(
        createOpenRouterClient({ apiKey: KEY, baseURL: tokens.baseURL, maxTokens: 2000 }),
      );
      const many = [1, 2, 3].map((n) =>
        job(`src/content/p${n}.md`, `Costly prompt ${n}`, { model: 'acme/painter' }),
      );
      // Worst case ≈ 2000 × $2.5/M = $0.005 (+ the prompt); each image is reported at ≈ $0.0032.
      const result = await runPipeline(many, {
        settings: settings({ maxCostUsd: 0.011, concurrency: 1 }),
        mode: 'generate',
        provider: chat,
      });
      expect(tokens.generations().map((request) => request.path)).toEqual([
        '/api/v1/chat/completions',
        '/api/v1/chat/completions',
      ]);
      expect(result.summary.costUsd).toBeGreaterThan(0.006);
      expect(result.summary.costUsd).toBeLessThanOrEqual(0.011);
      expect(result.failures.map((failure) => failure.code)).toEqual(['budget_exceeded']);
    } finally {
      await tokens.close();
    }
  });

  it('limits concurrent requests to `concurrency`', async () => {
    const slow = await startFakeOpenRouter({ apiKey: KEY, latencyMs: 150 });
    try {
      const many = [1, 2, 3, 4, 5, 6].map((n) => job(`src/content/p${n}.md`, `Parallel ${n}`));
      const client = createOpenRouterClient({ apiKey: KEY, baseURL: slow.baseURL });
      await runPipeline(many, {
        settings: settings({ concurrency: 2 }),
        mode: 'generate',
        provider: createOpenRouterProvider(client),
      });
      const arrivals = slow.generations().map((r) => r.at);
      // With two at a time and 150 ms each, the third request cannot arrive before ~150 ms.
      expect((arrivals[2] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(120);
      expect(slow.generations()).toHaveLength(6);
    } finally {
      await slow.close();
    }
  });

  it('reports progress: planned, started, generated, progress counters and done', async () => {
    const events: PipelineEvent[] = [];
    await generate(posts, {}, events);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('planned');
    expect(events[0]).toMatchObject({ posts: 3, unique: 2, cached: 0, missing: 2 });
    expect(types.filter((t) => t === 'started')).toHaveLength(2);
    expect(types.filter((t) => t === 'generated')).toHaveLength(2);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 2, total: 2, counters: { generated: 2 } });
    expect(types.at(-1)).toBe('done');
  });

  it('removes derivation temp folders that a killed build left behind', async () => {
    const shard = join(root, 'node_modules/.cache/headerforge/derived/ab');
    const leftover = join(shard, `${'ab'.repeat(32)}.tmp-999999-0a0b0c`);
    const fresh = join(shard, `${'ab'.repeat(32)}.tmp-999998-0d0e0f`);
    await mkdir(leftover, { recursive: true });
    await mkdir(fresh, { recursive: true });
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(leftover, hoursAgo, hoursAgo);
    await generate(posts);
    const temps = (await readdir(shard)).filter((name) => name.includes('.tmp-'));
    expect(temps).toEqual([fresh.split('/').at(-1)]);
  });

  it('sets aside a tampered cache entry, says so, and regenerates it', async () => {
    const cold = await generate(posts);
    const file = cold.headers[1]?.original.file as string;
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    await writeFile(file, bytes);
    fake.reset();
    const events: PipelineEvent[] = [];
    const again = await generate(posts, {}, events);
    expect(events.filter((e) => e.type === 'corrupt')).toHaveLength(1);
    expect(again.summary).toMatchObject({ corrupt: 1, generated: 1, cached: 1 });
    expect(fake.generations()).toHaveLength(1);
  });

  it('keeps a paid image it cannot use in the quarantine, and says where', async () => {
    fake.inject({ kind: 'wrong_type' }, { match: { prompt: 'fox' } });
    const events: PipelineEvent[] = [];
    const result = await generate(posts, {}, events);
    expect(result.failures).toEqual([
      expect.objectContaining({ file: 'src/content/b.md', code: 'bad_response' }),
    ]);
    const quarantine = join(root, '.headerforge', '.quarantine');
    const [folder] = await readdir(quarantine);
    const kept = (await readdir(join(quarantine, folder as string))).sort();
    expect(kept).toEqual([`${result.failures[0]?.key}.jpg`, 'reason.txt']);
    const jpeg = await sharp(join(quarantine, folder as string, kept[0] as string)).metadata();
    expect(jpeg.format).toBe('jpeg');
    expect(await readFile(join(quarantine, folder as string, 'reason.txt'), 'utf8')).toContain(
      'declared as image/png but its bytes are image/jpeg',
    );
    expect(events).toContainEqual({
      type: 'warning',
      message: `kept the unusable image returned for src/content/b.md in .headerforge/.quarantine/${folder} (it was paid for)`,
    });
  });
});

describe('modes without generation', () => {
  it('cache-only: hits are served, misses fail with the list of posts and how to fill them', async () => {
    await generate([posts[0] as HeaderJob]);
    fake.reset();
    const result = await runPipeline(posts, { settings: settings(), mode: 'cache-only' });
    expect(fake.requests).toHaveLength(0);
    expect(result.headers.map((h) => h.job.file)).toEqual(['src/content/a.md', 'src/content/c.md']);
    expect(result.failures).toEqual([
      expect.objectContaining({
        file: 'src/content/b.md',
        code: 'cache_miss',
        hint: expect.stringContaining('headerforge generate'),
      }),
    ]);
  });

  it('placeholder: offline art outside the committed cache, replaced by a later run with a key', async () => {
    const offline = await runPipeline(posts, { settings: settings(), mode: 'placeholder' });
    expect(fake.requests).toHaveLength(0);
    expect(offline.failures).toEqual([]);
    expect(offline.headers.every((h) => h.placeholder && h.source === 'placeholder')).toBe(true);
    expect(offline.summary).toMatchObject({ placeholders: 2, generated: 0 });
    const master = await sharp(offline.headers[0]?.derived.master.file).metadata();
    expect([master.width, master.height]).toEqual([1344, 756]);
    const committed = await readdir(join(root, '.headerforge')).catch(() => []);
    expect(committed).toEqual([]);

    const online = await generate(posts);
    expect(fake.generations()).toHaveLength(2);
    expect(online.headers.every((h) => !h.placeholder && h.source === 'generated')).toBe(true);
    for (const header of online.headers) {
      const sidecar = JSON.parse(
        await readFile(header.original.file.replace(/\.\w+$/, '.json'), 'utf8'),
      );
      expect(sidecar).toMatchObject({ placeholder: false, key: header.key });
    }
  });
});

describe('request concurrency', () => {
  it('starts the next request while the previous paid image is still being uploaded', async () => {
    // One request at a time, and an upload that waits until the test lets it go: the
    // second request must not wait for the first image's save and upload.
    let letUploadsGo!: () => void;
    const uploadsMayGo = new Promise<void>((resolve) => {
      letUploadsGo = resolve;
    });
    const remote: RemoteCache = {
      label: 'test remote',
      readOnly: false,
      fetch: async () => ({ status: 'miss' }),
      publish: async () => {
        await uploadsMayGo;
        return 'written';
      },
      lease: async () => ({ release: async () => {} }),
      keys: async () => new Set(),
      close: async () => {},
    };
    const real = provider();
    const requested: string[] = [];
    const counting: Provider = {
      id: 'openrouter',
      estimate: (j) => real.estimate(j),
      generate: (j, signal) => {
        requested.push(j.file);
        return real.generate(j, signal);
      },
    };
    const run = runPipeline([job('a.md', 'First upload'), job('b.md', 'Second upload')], {
      settings: settings({ concurrency: 1, widths: [320], formats: ['webp'] }),
      mode: 'generate',
      provider: counting,
      remote,
    });
    try {
      await expect.poll(() => requested.length, { timeout: 10_000 }).toBe(2);
    } finally {
      letUploadsGo();
    }
    const result = await run;
    expect(result.failures).toEqual([]);
    expect(result.summary).toMatchObject({ generated: 2, remoteWrites: 2 });
  });
});

describe('a run that is stopped', () => {
  it('ends only once no image of it writes to the caches any more', async () => {
    const jobs = Array.from({ length: 12 }, (_, n) =>
      job(`src/content/post-${n}.md`, `A harbour at dawn, study ${n}`),
    );
    const stop = new AbortController();
    const run = runPipeline(jobs, {
      settings: settings({ concurrency: 8 }),
      mode: 'placeholder',
      signal: stop.signal,
      // As a dev server's service paces its steps: none starts once it is stopped.
      pace: async (step) => {
        stop.signal.throwIfAborted();
        return step();
      },
      // Stopped as the first header lands, with the others still being made.
      onHeader: () => stop.abort(new Error('stopped')),
    });
    await expect(run).rejects.toThrow('stopped');
    const files = async () => (await readdir(root, { recursive: true })).sort();
    const atEnd = await files();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await files()).toEqual(atEnd);
  });

  it("ends only once a post's title card is drawn, when its derived set was stopped first", async () => {
    const stop = new AbortController();
    const log: string[] = [];
    let steps = 0;
    const run = runPipeline([job('src/content/a.md', 'A harbour at dawn', { title: 'Dawn' })], {
      settings: settings({
        og: { layout: 'bottom-left', overlay: 0.55, sizes: [{ width: 1200, height: 630 }] },
      }),
      mode: 'placeholder',
      signal: stop.signal,
      // The offline art is made; the title card's step starts, the derived set's is then
      // stopped (the server closes), and the card is still being drawn.
      pace: async (step) => {
        steps += 1;
        if (steps === 1) return step();
        if (steps === 3) {
          stop.abort(new Error('stopped'));
          throw stop.signal.reason;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        const made = await step();
        log.push('card drawn');
        return made;
      },
    });
    await run.catch(() => log.push('run ended'));
    expect(steps).toBe(3);
    expect(log).toEqual(['card drawn', 'run ended']);
  });
});

describe('a paced run', () => {
  it("gives each step its image's place in the run, for a pace that finishes images in order", async () => {
    const jobs = Array.from({ length: 3 }, (_, n) =>
      job(`src/content/post-${n}.md`, `A lighthouse in the fog, study ${n}`),
    );
    const orders: Array<number | undefined> = [];
    await runPipeline(jobs, {
      settings: settings({ og: false }),
      mode: 'placeholder',
      pace: (step, order) => {
        orders.push(order);
        return step();
      },
    });
    // Each image: its offline art, then its derived set.
    expect(orders.toSorted()).toEqual([0, 0, 1, 1, 2, 2]);
  });
});
