import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { emptySummary } from '../pipeline/summary.js';
import { type FakeOpenRouter, startFakeOpenRouter } from '../testing/index.js';
import { type BuildHeadersInput, buildHeaders, type HeadersEvent } from './build-headers.js';
import { failuresError, formatProgress, formatSummary } from './report.js';

const KEY = 'sk-or-v1-test-sentinel-build';
let fake: FakeOpenRouter;
let root: string;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-build-'));
  await site({
    'src/content/blog/lighthouse.md':
      '---\ntitle: The lighthouse\nheader: "A lighthouse at dusk, watercolour"\n---\nBody.\n',
    'src/content/blog/fox.mdx': `---\ntitle: The fox\nheader:\n  prompt: A fox in the snow\n  alt: A red fox\n  seed: 2\n---\nimport X from './x.astro';\n\n<X />\n`,
    'src/content/blog/plain.md': '---\ntitle: No header here\n---\nBody.\n',
  });
});
afterEach(async () => {
  fake.reset();
  await rm(root, { recursive: true, force: true });
});

async function site(files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

const options = { widths: [320], formats: ['webp' as const] };
const online = { OPENROUTER_API_KEY: KEY };

async function run(input: Partial<BuildHeadersInput> = {}) {
  const events: HeadersEvent[] = [];
  const result = await buildHeaders({
    root,
    options,
    env: { ...online, OPENROUTER_BASE_URL: fake.baseURL },
    onEvent: (e) => events.push(e),
    ...input,
  });
  return { result, events };
}

describe('buildHeaders', () => {
  it('scans md and mdx, generates with the key, and reports mode, scan and summary', async () => {
    const { result, events } = await run();
    expect(result.mode.mode).toBe('generate');
    expect(result.failures).toEqual([]);
    expect(result.headers.map((h) => [h.job.file, h.job.alt])).toEqual([
      ['src/content/blog/fox.mdx', 'A red fox'],
      ['src/content/blog/lighthouse.md', expect.stringMatching(/^A lighthouse at dusk/)],
    ]);
    expect(result.scan.skipped).toEqual(['src/content/blog/plain.md']);
    expect(fake.generations().map((r) => (r.body as { seed?: number }).seed)).toEqual(
      expect.arrayContaining([2, undefined]),
    );
    expect(events[0]).toMatchObject({ type: 'mode', decision: { mode: 'generate' } });
    expect(events.find((e) => e.type === 'scanned')).toMatchObject({
      files: 3,
      headers: 2,
      skipped: 1,
    });
    expect(events.at(-1)).toMatchObject({ type: 'done', summary: { generated: 2 } });
  });

  it('gives a warm build, from its index, the very sets the cold build made', async () => {
    const cold = (await run()).result;
    const { result: warm } = await run();
    expect(fake.generations()).toHaveLength(2);
    expect(warm.summary).toMatchObject({ cached: 2, generated: 0 });
    expect(warm.headers.map((h) => h.derived)).toEqual(cold.headers.map((h) => h.derived));
    for (const { derived } of warm.headers) {
      for (const file of [derived.master, ...derived.variants, derived.og]) {
        expect((await readFile(file?.file ?? '')).byteLength).toBe(file?.bytes);
      }
    }
    // The index keeps each set as its manifest: one absolute path per set (its folder's
    // stamp), not one per file.
    const index = await readFile(
      join(root, 'node_modules/.cache/headerforge/warm-index-3.json'),
      'utf8',
    );
    expect(index).not.toContain(cold.headers[0]?.derived.master.file);
  });

  it('sends the transport and provider options, and records in the sidecar what made each image', async () => {
    const { result } = await run({
      options: {
        ...options,
        transport: 'chat',
        provider: { order: ['Google AI Studio'], allowFallbacks: false },
      },
    });
    expect(result.failures).toEqual([]);
    expect(
      fake.generations().map((r) => [r.path, (r.body as { provider?: unknown }).provider]),
    ).toEqual([
      ['/api/v1/chat/completions', { order: ['Google AI Studio'], allow_fallbacks: false }],
      ['/api/v1/chat/completions', { order: ['Google AI Studio'], allow_fallbacks: false }],
    ]);
    const sidecars = await Promise.all(
      result.headers.map(async (header) =>
        JSON.parse(
          await readFile(
            join(root, '.headerforge', header.key.slice(0, 2), `${header.key}.json`),
            'utf8',
          ),
        ),
      ),
    );
    for (const sidecar of sidecars) {
      expect(sidecar).toMatchObject({ transport: 'chat', servedBy: 'Google AI Studio' });
      expect(sidecar.usage.cost).toBeGreaterThan(0);
    }
  });

  it('lets HEADERFORGE_TRANSPORT override the transport option, and refuses an unknown one', async () => {
    await run({
      options: { ...options, transport: 'chat' },
      env: { ...online, OPENROUTER_BASE_URL: fake.baseURL, HEADERFORGE_TRANSPORT: 'images' },
    });
    expect(fake.generations().map((r) => r.path)).toEqual(['/api/v1/images', '/api/v1/images']);
    await expect(
      run({ env: { ...online, OPENROUTER_BASE_URL: fake.baseURL, HEADERFORGE_TRANSPORT: 'fax' } }),
    ).rejects.toThrow(
      /HEADERFORGE_TRANSPORT="fax" is not a transport; expected one of auto, images, chat/,
    );
  });

  it('lets OPENROUTER_BASE_URL override the baseURL option', async () => {
    const { result } = await run({ options: { ...options, baseURL: 'http://127.0.0.1:9/api/v1' } });
    expect(result.failures).toEqual([]);
    expect(fake.generations()).toHaveLength(2);
  });

  it('applies the site style and builds auto prompts from the title', async () => {
    await run({ options: { ...options, style: 'Flat vector art', auto: true } });
    const prompts = fake.generations().map((r) => r.prompt);
    expect(prompts).toHaveLength(3);
    expect(prompts.every((p) => p?.startsWith('Flat vector art\n\n'))).toBe(true);
    expect(prompts.some((p) => p?.includes('No header here'))).toBe(true);
  });

  it('without a key locally: placeholders, a warning, nothing committed', async () => {
    const { result } = await run({ env: {} });
    expect(result.mode).toMatchObject({
      mode: 'placeholder',
      warning: expect.stringContaining('OPENROUTER_API_KEY'),
    });
    expect(result.headers.every((h) => h.placeholder)).toBe(true);
    expect(fake.requests).toHaveLength(0);
    expect(await readdir(join(root, '.headerforge')).catch(() => [])).toEqual([]);
  });

  it('in CI without a key: cache-only, failing with every missing post and the command that fills them', async () => {
    const { result } = await run({ env: { CI: 'true' } });
    expect(result.mode.mode).toBe('cache-only');
    const error = failuresError(result);
    expect(error).toBeInstanceOf(HeaderforgeError);
    expect(error?.code).toBe('cache_miss');
    expect(error?.message).toContain('2 of 2 header images could not be made');
    expect(error?.message).toContain('src/content/blog/fox.mdx');
    expect(error?.message).toContain('src/content/blog/lighthouse.md');
    expect(error?.hint).toContain('npx headerforge generate');
    expect(fake.requests).toHaveLength(0);
  });

  it('HEADERFORGE_MODE=off does nothing at all', async () => {
    const { result } = await run({ env: { ...online, HEADERFORGE_MODE: 'off' } });
    expect(result.mode.mode).toBe('off');
    expect(result.headers).toEqual([]);
    expect(result.scan.files).toBe(0);
  });

  it('names a bad option and a bad frontmatter field precisely', async () => {
    await expect(run({ options: { concurrency: 0 } as never })).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining('"concurrency"'),
    });
    await site({
      'src/content/blog/broken.md': '---\ntitle: Broken\nheader:\n  prompt: ok\n  size: 3K\n---\n',
    });
    await expect(run()).rejects.toMatchObject({
      code: 'invalid_frontmatter',
      message: expect.stringMatching(/src\/content\/blog\/broken\.md:5: .*size/),
    });
  });
});

describe('report', () => {
  const summary = {
    ...emptySummary(),
    posts: 40,
    unique: 38,
    cached: 35,
    generated: 2,
    failed: 1,
    costUsd: 0.27,
    durationMs: 4100,
  };

  it('formats progress and summary lines for logs', () => {
    expect(formatProgress(12, 40, { ...summary, cached: 9 })).toBe(
      'headers 12/40 · 9 cached · 1 failed · $0.27',
    );
    expect(formatSummary(summary)).toBe(
      '40 headers · 2 generated · 35 cached · 1 failed · $0.27 · 4.1 s',
    );
  });

  it('counts remote hits, uploads, rejections and fallbacks separately', () => {
    const remote = {
      ...summary,
      cached: 30,
      remoteHits: 5,
      remoteWrites: 2,
      remoteRejected: 1,
      remoteFallbacks: 3,
    };
    expect(formatProgress(12, 40, { ...remote, cached: 9 })).toBe(
      'headers 12/40 · 9 cached · 5 from remote · 1 failed · $0.27',
    );
    expect(formatSummary(remote)).toBe(
      '40 headers · 2 generated · 30 cached · 5 from remote · 2 uploaded · 1 remote rejected · 3 remote fallbacks · 1 failed · $0.27 · 4.1 s',
    );
  });

  it('lists every failed post with its reason, and each hint once', () => {
    const error = failuresError({
      summary,
      failures: [
        {
          file: 'a.md',
          line: 3,
          key: 'k1',
          code: 'rate_limited',
          message: 'OpenRouter answered 429',
          hint: 'Lower concurrency.',
        },
        {
          file: 'b.md',
          key: 'k2',
          code: 'rate_limited',
          message: 'OpenRouter answered 429',
          hint: 'Lower concurrency.',
        },
        {
          file: 'c.md',
          key: 'k3',
          code: 'no_image',
          message: 'No image',
          hint: 'Check modalities.',
        },
      ],
    });
    expect(error?.code).toBe('generation_failed');
    expect(error?.message.split('\n')).toEqual([
      '3 of 40 header images could not be made:',
      '  a.md:3: OpenRouter answered 429',
      '  b.md: OpenRouter answered 429',
      '    hint: Lower concurrency.',
      '  c.md: No image',
      '    hint: Check modalities.',
    ]);
    expect(failuresError({ summary, failures: [] })).toBeUndefined();
  });
});
