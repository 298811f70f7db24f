import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeOpenRouter, startFakeOpenRouter } from '../testing/index.js';
import { type BuildHeadersInput, buildHeaders, type HeadersEvent } from './build-headers.js';

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

const KEY = 'sk-or-v1-test-sentinel-known';
let fake: FakeOpenRouter;
let root: string;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-known-'));
  await site({
    'src/content/blog/lighthouse.md':
      '---\ntitle: The lighthouse\nheader: "A lighthouse at dusk, watercolour"\n---\nBody.\n',
    'src/content/blog/fox.md':
      '---\ntitle: The fox\nheader:\n  prompt: A fox in the snow\n  focus: top\n---\n',
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

async function run(input: Partial<BuildHeadersInput> = {}) {
  const events: HeadersEvent[] = [];
  hashed.count = 0;
  const result = await buildHeaders({
    root,
    options,
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
    onEvent: (e) => events.push(e),
    ...input,
  });
  const { durationMs: _, ...summary } = result.summary;
  return { result, summary, events: events.map(({ type }) => type), hashed: hashed.count };
}

const headersFile = () => join(root, 'node_modules/.cache/headerforge/warm-headers-1.json');
const knownLines = async () =>
  (await readFile(headersFile(), 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line.startsWith('headers\t'));

describe('whole headers in the warm index', () => {
  it('lets a warm build take each header whole: the same headers, summary and events, no key hashed', async () => {
    const cold = await run();
    expect(cold.summary).toMatchObject({ generated: 2 });
    // Made by this run, not found: nothing to know whole yet.
    expect(await knownLines()).toHaveLength(0);

    const first = await run();
    expect(first.summary).toMatchObject({ posts: 2, unique: 2, cached: 2 });
    expect(first.hashed).toBeGreaterThan(0);
    expect(await knownLines()).toHaveLength(2);

    const known = await run();
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

  it('counts an image two posts share once, whether they are known whole or not', async () => {
    await site({
      'src/content/blog/twin.md':
        '---\ntitle: Twin\nheader: "A lighthouse at dusk, watercolour"\n---\n',
    });
    await run();
    const first = await run();
    const known = await run();
    expect(first.summary).toMatchObject({ posts: 3, unique: 2, cached: 2 });
    expect(known.summary).toEqual(first.summary);
    // One post known, its twin looked up again: still one image.
    await appendFile(join(root, 'src/content/blog/twin.md'), 'More.\n');
    const mixed = await run();
    expect(mixed.hashed).toBeGreaterThan(0);
    expect(mixed.summary).toEqual(first.summary);
    expect(mixed.result.headers).toEqual(first.result.headers);
  });

  it('makes a header anew from its facts when a file behind it or a setting changes', async () => {
    await run();
    const first = await run();
    const lighthouse = first.result.headers.find((h) => h.job.file.endsWith('lighthouse.md'));
    if (!lighthouse) throw new Error('no lighthouse header');
    const later = async (file: string) => {
      const { atime, mtimeMs } = await stat(file);
      await utimes(file, atime, new Date(mtimeMs + 2000));
    };
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['the post', () => later(join(root, 'src/content/blog/lighthouse.md'))],
      ['the image', () => later(lighthouse.original.file)],
      ['the sidecar', () => later(lighthouse.original.file.replace(/\.[a-z]+$/, '.json'))],
      ['the derived set', () => writeFile(join(dirname(lighthouse.derived.master.file), 'x'), '')],
    ];
    for (const [what, change] of changes) {
      await run();
      expect((await run()).hashed, `known before touching ${what}`).toBe(0);
      await change();
      const again = await run();
      expect(again.hashed, `looked up after touching ${what}`).toBeGreaterThan(0);
      expect(again.result.headers, what).toEqual(first.result.headers);
    }
    // A setting: every header is made anew.
    await run();
    const styled = await run({ options: { ...options, style: 'in ink' } });
    expect(styled.hashed).toBeGreaterThan(0);
    expect(styled.result.headers.map((h) => h.job.prompt)).toEqual([
      expect.stringContaining('in ink'),
      expect.stringContaining('in ink'),
    ]);
  });

  it('keeps no whole header for offline art, several candidates or reference images', async () => {
    // Offline art: a later build with a key must pay for the real image.
    await run({ env: {} });
    const offline = await run({ env: {} });
    expect(offline.summary).toMatchObject({ placeholders: 2 });
    expect(await knownLines()).toHaveLength(0);

    await writeFile(
      join(root, 'ref.png'),
      await readFile(offline.result.headers[0]?.derived.master.file ?? ''),
    );
    await site({
      'src/content/blog/lighthouse.md':
        '---\ntitle: The lighthouse\nheader:\n  prompt: A lighthouse\n  candidates: 2\n---\n',
      'src/content/blog/fox.md':
        '---\ntitle: The fox\nheader:\n  prompt: A fox\n  references: [ref.png]\n---\n',
    });
    await run();
    await run();
    const again = await run();
    expect(again.summary).toMatchObject({ posts: 2, cached: 3 });
    expect(again.hashed).toBeGreaterThan(0);
    expect(await knownLines()).toHaveLength(0);
  });
});
