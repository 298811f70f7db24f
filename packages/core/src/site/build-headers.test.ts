import { execFile } from 'node:child_process';
import {
  appendFile,
  mkdir,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { emptySummary } from '../pipeline/summary.js';
import { deadPid } from '../testing/dead-pid.test-support.js';
import { fakeSiteForEachTest, writeSiteFiles } from '../testing/fake-site.test-support.js';
import type { FakeOpenRouter } from '../testing/index.js';
import { type BuildHeadersInput, buildHeaders, type HeadersEvent } from './build-headers.js';
import { failuresError, formatProgress, formatSummary, logLineFor } from './report.js';

// Every post the pipeline looks up has its generation key hashed; a post whose header is
// known whole has none. Counting the calls tells the two paths apart.
const hashed = vi.hoisted(() => ({ count: 0 }));
vi.mock('../cache/keys.js', async (importOriginal) => {
  const keys = await importOriginal<typeof import('../cache/keys.js')>();
  return {
    ...keys,
    generationKey: (...args: Parameters<typeof keys.generationKey>) => {
      hashed.count++;
      return keys.generationKey(...args);
    },
  };
});

const KEY = 'sk-or-v1-test-sentinel-build';
let fake: FakeOpenRouter;
let root: string;

fakeSiteForEachTest(KEY, 'hf-build-', (made) => {
  ({ fake, root } = made);
});
beforeEach(async () => {
  await site({
    'src/content/blog/lighthouse.md':
      '---\ntitle: The lighthouse\nheader: "A lighthouse at dusk, watercolour"\n---\nBody.\n',
    'src/content/blog/fox.mdx': `---\ntitle: The fox\nheader:\n  prompt: A fox in the snow\n  alt: A red fox\n  seed: 2\n---\nimport X from './x.astro';\n\n<X />\n`,
    'src/content/blog/plain.md': '---\ntitle: No header here\n---\nBody.\n',
  });
});

const site = (files: Record<string, string>) => writeSiteFiles(root, files);

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
    // Title cards, the default social card, are found by their keys alike.
    expect(warm.headers.map((h) => h.cards)).toEqual(cold.headers.map((h) => h.cards));
    for (const { derived, cards } of warm.headers) {
      expect(cards).toHaveLength(1);
      for (const file of [derived.master, ...derived.variants, ...(cards ?? [])]) {
        expect((await readFile(file.file)).byteLength).toBe(file.bytes);
      }
    }
    // The index keeps each set as its manifest: one absolute path per set (its folder's
    // stamp), not one per file.
    const index = await readFile(
      join(root, 'node_modules/.cache/headerforge/warm-index-4.json'),
      'utf8',
    );
    expect(index).not.toContain(cold.headers[0]?.derived.master.file);
  });

  it('keeps only the image asked for when an answer holds more, and says so', async () => {
    fake.inject({ kind: 'extra_images', count: 2 }, { always: true });
    const { result, events } = await run({ options: { ...options, transport: 'images' } });
    expect(result.failures).toEqual([]);
    expect(result.summary.generated).toBe(2);
    const warnings = events
      .filter((event) => event.type === 'warning')
      .map((event) => event.message);
    expect(warnings).toEqual([
      expect.stringMatching(
        /answered 3 images for src\/content\/blog\/(fox\.mdx|lighthouse\.md), where one was asked for: kept the first only/,
      ),
      expect.stringMatching(
        /answered 3 images for src\/content\/blog\/(fox\.mdx|lighthouse\.md), where one was asked for: kept the first only/,
      ),
    ]);
    const images = (await readdir(join(root, '.headerforge'), { recursive: true })).filter((name) =>
      /\.(png|avif|webp)$/.test(name),
    );
    expect(images).toHaveLength(2);
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

describe('a failure every request would meet', () => {
  const posts = (count: number, header = '') =>
    Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `src/content/blog/p${String(i).padStart(2, '0')}.md`,
        `---\ntitle: Post ${i}\nheader:\n  prompt: "Prompt ${i}"\n${header}---\n`,
      ]),
    );
  const posted = () => fake.requests.filter((request) => request.method === 'POST');

  it('stops at the first answer for a revoked key: at most `concurrency` requests, and one line for every post', async () => {
    await site(posts(20));
    const { result, events } = await run({
      env: { OPENROUTER_API_KEY: 'sk-or-v1-revoked', OPENROUTER_BASE_URL: fake.baseURL },
      options: { ...options, concurrency: 4 },
    });
    expect(posted().length).toBeGreaterThan(0);
    expect(posted().length).toBeLessThanOrEqual(4);
    expect(result.summary).toMatchObject({ posts: 22, failed: 22, generated: 0 });
    expect(new Set(result.failures.map((failure) => failure.code))).toEqual(new Set(['auth']));
    expect(events.filter((event) => event.type === 'failed')).toEqual([]);
    const halted = events.filter((event) => event.type === 'halted');
    expect(halted).toHaveLength(1);
    expect(logLineFor(halted[0] as HeadersEvent)?.message).toMatch(
      /^OpenRouter answered 401.*\. No more requests in this build\. Check OPENROUTER_API_KEY/,
    );
    expect(failuresError(result)?.message.split('\n')).toEqual([
      '22 of 22 header images could not be made:',
      expect.stringMatching(
        /^ {2}22 posts \(src\/content\/blog\/fox\.mdx and 21 more\): OpenRouter answered 401/,
      ),
      expect.stringMatching(/^ {4}hint: Check OPENROUTER_API_KEY/),
    ]);
  });

  it("stops asking for a model that does not exist, and makes the other posts' images", async () => {
    await site(posts(6, '  model: nobody/no-such-image-model\n'));
    const { result, events } = await run({ options: { ...options, concurrency: 1 } });
    const asked = (model: string) =>
      posted().filter((request) => (request.body as { model?: string }).model === model);
    // The catalogue says so before any request is paid for; said once for the six posts.
    expect(asked('nobody/no-such-image-model')).toHaveLength(0);
    expect(asked('google/gemini-2.5-flash-image')).toHaveLength(2);
    expect(result.summary).toMatchObject({ posts: 8, failed: 6, generated: 2 });
    expect(events.filter((event) => event.type === 'failed')).toEqual([]);
    expect(events.filter((event) => event.type === 'halted')).toEqual([
      expect.objectContaining({ model: 'nobody/no-such-image-model' }),
    ]);
    expect(failuresError(result)?.message.split('\n')[1]).toMatch(
      /^ {2}6 posts \(src\/content\/blog\/p00\.md and 5 more\): Model "nobody\/no-such-image-model" is not an image model/,
    );
  });

  it('stops when the API cannot be reached, after the first request has used its retries', async () => {
    await site(posts(5));
    // A port nothing listens on: connections are refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const baseURL = `http://127.0.0.1:${port}/api/v1`;
    const { result, events } = await run({
      env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: baseURL },
      options: { ...options, concurrency: 1, maxRetries: 0 },
    });
    expect(result.summary).toMatchObject({ posts: 7, failed: 7 });
    expect(events.filter((event) => event.type === 'halted')).toHaveLength(1);
    const lines = failuresError(result)?.message.split('\n');
    expect(lines?.[1]).toMatch(
      new RegExp(`^ {2}7 posts .*: Could not reach ${baseURL.replaceAll('.', '\\.')}`),
    );
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

/** A run, with its summary less the duration, its events' types, and the keys it hashed. */
async function counted(input: Partial<BuildHeadersInput> = {}) {
  hashed.count = 0;
  const { result, events } = await run(input);
  const { durationMs: _, ...summary } = result.summary;
  return { result, summary, events: events.map(({ type }) => type), hashed: hashed.count };
}

const headersFile = () => join(root, 'node_modules/.cache/headerforge/warm-headers-2.json');
const knownLines = async () =>
  (await readFile(headersFile(), 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line.startsWith('headers\t'));

describe('whole headers in the warm index', () => {
  it('lets a warm build take each header whole: the same headers, summary and events, no key hashed', async () => {
    const cold = await counted();
    expect(cold.summary).toMatchObject({ generated: 2 });
    // Made by this run, not found: nothing to know whole yet.
    expect(await knownLines()).toHaveLength(0);

    const first = await counted();
    expect(first.summary).toMatchObject({ posts: 2, unique: 2, cached: 2 });
    expect(first.hashed).toBeGreaterThan(0);
    expect(await knownLines()).toHaveLength(2);

    const known = await counted();
    expect(known.hashed).toBe(0);
    expect(known.result.headers).toEqual(first.result.headers);
    expect(known.result.scan).toEqual(first.result.scan);
    expect(known.summary).toEqual(first.summary);
    expect(known.events).toEqual(first.events);
    expect(fake.generations()).toHaveLength(2);
    for (const { derived } of known.result.headers) {
      expect((await stat(derived.master.file)).size).toBe(derived.master.bytes);
    }
  });

  it('tidies as any run does when every header is known whole: the same progress, a dead build’s lock removed', async () => {
    await run();
    const first = await run();
    const lockDir = join(root, '.headerforge/.locks');
    await mkdir(lockDir, { recursive: true });
    const lock = join(lockDir, `${'a'.repeat(64)}.lock`);
    await writeFile(
      lock,
      JSON.stringify({
        pid: await deadPid(),
        host: hostname(),
        token: 't',
        since: new Date().toISOString(),
      }),
    );
    hashed.count = 0;
    const known = await run();
    expect(hashed.count).toBe(0);
    expect(known.result.summary).toMatchObject({ posts: 2, cached: 2 });
    // What a log shows: the plan, and where the progress ends (images known whole are
    // counted one by one, where the first warm build counted its hits before the first).
    const reported = (events: HeadersEvent[]) => [
      events.find((event) => event.type === 'planned'),
      events.findLast((event) => event.type === 'progress'),
    ];
    expect(reported(known.events)).toEqual(reported(first.events));
    expect(reported(known.events)[1]).toMatchObject({ done: 2, total: 2 });
    expect(await readdir(lockDir)).toEqual([]);
  });

  it('keeps a copy of the site in another folder warm: every header whole, its files in the copy', async () => {
    await counted();
    const first = await counted();
    expect(await knownLines()).toHaveLength(2);
    // As `mv`, `cp -a` or a runner restoring its workspace leave it: the same files, and the
    // same times to the nanosecond (Node's own `cp` rounds them to milliseconds).
    const copy = `${root}-copy`;
    await promisify(execFile)('cp', ['-a', root, copy]);
    try {
      const moved = await counted({ root: copy });
      expect(moved.hashed).toBe(0);
      expect(moved.summary).toEqual(first.summary);
      for (const header of moved.result.headers) {
        for (const file of [header.original.file, header.derived.master.file]) {
          expect(file.startsWith(`${copy}/`), file).toBe(true);
        }
      }
      // Its index learnt nothing new: one fact per post, not one per post and folder.
      const copied = await readFile(
        join(copy, 'node_modules/.cache/headerforge/warm-headers-2.json'),
        'utf8',
      );
      expect(copied.split('\n').filter((line) => line.startsWith('headers\t'))).toHaveLength(2);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('counts an image two posts share once, whether they are known whole or not', async () => {
    await site({
      'src/content/blog/twin.md':
        '---\ntitle: Twin\nheader: "A lighthouse at dusk, watercolour"\n---\n',
    });
    await counted();
    const first = await counted();
    const known = await counted();
    expect(first.summary).toMatchObject({ posts: 3, unique: 2, cached: 2 });
    expect(known.summary).toEqual(first.summary);
    // One post known, its twin looked up again: still one image.
    await appendFile(join(root, 'src/content/blog/twin.md'), 'More.\n');
    const mixed = await counted();
    expect(mixed.hashed).toBeGreaterThan(0);
    expect(mixed.summary).toEqual(first.summary);
    expect(mixed.result.headers).toEqual(first.result.headers);
  });

  it('makes a header anew from its facts when a file behind it or a setting changes', async () => {
    await counted();
    const first = await counted();
    const lighthouse = first.result.headers.find((h) => h.job.file.endsWith('lighthouse.md'));
    if (!lighthouse) throw new Error('no lighthouse header');
    // Its social card is a title card (the default), a file of its own.
    const card = lighthouse.cards?.[0]?.file;
    if (!card) throw new Error('no title card');
    const later = async (file: string) => {
      const { atime, mtimeMs } = await stat(file);
      await utimes(file, atime, new Date(mtimeMs + 2000));
    };
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['the post', () => later(join(root, 'src/content/blog/lighthouse.md'))],
      ['the image', () => later(lighthouse.original.file)],
      ['the sidecar', () => later(lighthouse.original.file.replace(/\.[a-z]+$/, '.json'))],
      ['the derived set', () => writeFile(join(dirname(lighthouse.derived.master.file), 'x'), '')],
      ['the title card', () => later(card)],
      ['the title card, gone', () => rm(card)],
    ];
    for (const [what, change] of changes) {
      await counted();
      expect((await counted()).hashed, `known before touching ${what}`).toBe(0);
      await change();
      const again = await counted();
      expect(again.hashed, `looked up after touching ${what}`).toBeGreaterThan(0);
      // A card drawn again comes from the cached (compact) image, not the pixels as received.
      const redrawn = what.endsWith('gone') ? { bytes: expect.any(Number) } : {};
      expect(again.result.headers, what).toEqual(
        first.result.headers.map((header) => ({
          ...header,
          ...(header.cards ? { cards: header.cards.map((c) => ({ ...c, ...redrawn })) } : {}),
        })),
      );
    }
    // A setting that never changes a header keeps them whole.
    await counted();
    expect((await counted({ options: { ...options, concurrency: 7, review: false } })).hashed).toBe(
      0,
    );
    // A setting that does: every header is made anew.
    await counted();
    const styled = await counted({ options: { ...options, style: 'in ink' } });
    expect(styled.hashed).toBeGreaterThan(0);
    expect(styled.result.headers.map((h) => h.job.prompt)).toEqual([
      expect.stringContaining('in ink'),
      expect.stringContaining('in ink'),
    ]);
  });

  it('keeps no whole header for offline art, several candidates or reference images', async () => {
    // Offline art: a later build with a key must pay for the real image.
    await counted({ env: {} });
    const offline = await counted({ env: {} });
    expect(offline.summary).toMatchObject({ placeholders: 2 });
    expect(await knownLines()).toHaveLength(0);

    await writeFile(
      join(root, 'ref.png'),
      await readFile(offline.result.headers[0]?.derived.master.file ?? ''),
    );
    await site({
      'src/content/blog/lighthouse.md':
        '---\ntitle: The lighthouse\nheader:\n  prompt: A lighthouse\n  candidates: 2\n---\n',
      'src/content/blog/fox.mdx':
        '---\ntitle: The fox\nheader:\n  prompt: A fox\n  references: [ref.png]\n---\n',
    });
    await counted();
    await counted();
    const again = await counted();
    expect(again.summary).toMatchObject({ posts: 2, cached: 3 });
    expect(again.hashed).toBeGreaterThan(0);
    expect(await knownLines()).toHaveLength(0);
  });
});
