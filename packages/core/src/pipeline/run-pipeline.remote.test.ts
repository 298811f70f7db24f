import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generationKey, sha256Hex } from '../cache/keys.js';
import { remoteNames } from '../cache/layout.js';
import { createRemoteCache, type RemoteCache } from '../cache/remote-cache.js';
import { openImageStore } from '../cache/store.js';
import { openWarmIndex } from '../cache/warm-index.js';
import { createOpenRouterClient } from '../openrouter/client.js';
import { createOpenRouterProvider } from '../providers/openrouter.js';
import type { RemoteBackend } from '../remote/backend.js';
import { type FakeOpenRouter, startFakeOpenRouter } from '../testing/index.js';
import { sharpCalls } from '../testing/sharp-calls.test-support.js';
import type { PipelineEvent } from './events.js';
import { type HeaderJob, jobKeyInput } from './header-job.js';
import { runPipeline } from './run-pipeline.js';
import type { PipelineSettings } from './settings.js';

// Every sharp() call in this file's module graph is counted: the read-through's checks and
// the derivation's. A read-through whose derived files are kept must decode nothing.
vi.mock('sharp', async (original) =>
  (await import('../testing/sharp-calls.test-support.js')).countedSharpModule(await original()),
);

const KEY = 'sk-or-v1-test-sentinel-read-through';
const POSTS = 6;
let fake: FakeOpenRouter;
let root: string;
let objects: Map<string, Uint8Array>;

/** A shared store in memory: what the remote cache needs of S3 or Redis, and no more. */
function memoryBackend(): RemoteBackend {
  return {
    label: 'memory://shared',
    get: async (name) => objects.get(name),
    async create(name, bytes) {
      if (objects.has(name)) return false;
      objects.set(name, new Uint8Array(bytes));
      return true;
    },
    list: async () => [...objects.keys()],
    tryLease: async () => ({ refresh: async () => true, release: async () => {} }),
    close: async () => {},
  };
}

const openRemote = (): RemoteCache =>
  createRemoteCache(memoryBackend(), {
    readOnly: false,
    leaseTtlMs: 30_000,
    pollMs: 50,
    timeoutMs: 5_000,
  });

const jobs: HeaderJob[] = Array.from({ length: POSTS }, (_, i) => ({
  file: `src/content/blog/post-${i}.md`,
  prompt: `Read-through test illustration ${i}`,
  userPrompt: `Read-through test illustration ${i}`,
  alt: `Illustration ${i}`,
  model: 'google/gemini-3.1-flash-image-preview',
  aspectRatio: '16:9',
  imageSize: '0.5K',
  focus: 'attention',
  auto: false,
}));

const settings = (): PipelineSettings => ({
  root,
  cacheDir: join(root, '.headerforge'),
  derivedCacheDir: join(root, 'node_modules/.cache/headerforge'),
  concurrency: 4,
  widths: [320],
  formats: ['webp'],
  og: true,
});

async function build({ writeBehind = false } = {}): Promise<{
  result: Awaited<ReturnType<typeof runPipeline>>;
  events: PipelineEvent[];
}> {
  const events: PipelineEvent[] = [];
  const remote = openRemote();
  const provider = createOpenRouterProvider(
    createOpenRouterClient({ apiKey: KEY, baseURL: fake.baseURL }),
  );
  const result = await runPipeline(jobs, {
    settings: settings(),
    mode: 'generate',
    provider,
    remote,
    onEvent: (event) => events.push(event),
    writeBehind,
  });
  // The copies written behind are local: the remote is closed as soon as the run returns.
  await remote.close();
  return { result, events };
}

/** A machine whose committed cache is empty: a fresh CI runner that kept its derived cache. */
const emptyCommittedCache = () => rm(join(root, '.headerforge'), { recursive: true, force: true });
const emptyDerivedCache = () => rm(join(root, 'node_modules'), { recursive: true, force: true });

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(async () => {
  await rm(root ?? '', { recursive: true, force: true });
  root = await mkdtemp(join(tmpdir(), 'hf-read-through-'));
  objects = new Map();
  const first = await build();
  expect(first.result.summary).toMatchObject({ generated: POSTS, remoteWrites: POSTS });
  fake.reset();
});

/** Every local entry verifies when every byte is hashed again. */
async function expectLocalEntriesIntact(): Promise<void> {
  const store = openImageStore(join(root, '.headerforge'));
  for (const job of jobs) expect((await store.lookup(jobKeyInput(job))).status).toBe('hit');
}

describe('reading every image through from the remote', () => {
  it('decodes nothing when the derived files are kept', async () => {
    const before = (await build()).result;
    await emptyCommittedCache();
    sharpCalls.count = 0;
    const { result } = await build();
    expect(sharpCalls.count).toBe(0);
    expect(fake.requests).toHaveLength(0);
    expect(result.summary).toMatchObject({ remoteHits: POSTS, generated: 0, failed: 0 });
    expect(result.headers.map((h) => h.derived.master.file)).toEqual(
      before.headers.map((h) => h.derived.master.file),
    );
    await expectLocalEntriesIntact();
  });

  it('decodes each image when its derived files are missing, and derives them again', async () => {
    await emptyCommittedCache();
    await emptyDerivedCache();
    sharpCalls.count = 0;
    const { result } = await build();
    expect(sharpCalls.count).toBeGreaterThan(POSTS);
    expect(result.summary).toMatchObject({ remoteHits: POSTS, generated: 0, failed: 0 });
    await expectLocalEntriesIntact();
  });

  it('refuses an object with a valid header but the wrong hash, with no decode to catch it', async () => {
    const input = jobKeyInput(jobs[0] as HeaderJob);
    const sidecar = JSON.parse(
      new TextDecoder().decode(objects.get(remoteNames.sidecar(generationKey(input)))),
    );
    const name = remoteNames.image(sidecar);
    const tampered = new Uint8Array(objects.get(name) as Uint8Array);
    const middle = Math.floor(tampered.length / 2);
    tampered[middle] = (tampered[middle] as number) ^ 0xff;
    objects.set(name, tampered);

    await emptyCommittedCache();
    const { result, events } = await build();
    const rejected = events.filter((event) => event.type === 'remote-rejected');
    expect(rejected).toEqual([
      expect.objectContaining({
        name,
        reason: 'the image does not match its sidecar’s hash',
        files: [jobs[0]?.file],
      }),
    ]);
    // Made again (and paid for) instead.
    expect(fake.generations()).toHaveLength(1);
    expect(result.summary).toMatchObject({ remoteHits: POSTS - 1, generated: 1, failed: 0 });
    await expectLocalEntriesIntact();
    const local = openImageStore(join(root, '.headerforge'));
    const found = await local.lookup(input);
    if (found.status !== 'hit') throw new Error('the image was not made again');
    expect(sha256Hex(await local.read(found.entry))).not.toBe(sha256Hex(tampered));
  });

  it('refuses a truncated object whose forged sidecar matches it, when its pixels are needed', async () => {
    const input = jobKeyInput(jobs[1] as HeaderJob);
    const sidecarName = remoteNames.sidecar(generationKey(input));
    const sidecar = JSON.parse(new TextDecoder().decode(objects.get(sidecarName)));
    const truncated = (objects.get(remoteNames.image(sidecar)) as Uint8Array).slice(0, 400);
    const forged = { ...sidecar, sha256: sha256Hex(truncated), bytes: truncated.byteLength };
    objects.set(remoteNames.image(forged), truncated);
    objects.set(sidecarName, new TextEncoder().encode(JSON.stringify(forged)));

    await emptyCommittedCache();
    await emptyDerivedCache();
    const { result, events } = await build();
    expect(events.filter((event) => event.type === 'remote-rejected')).toEqual([
      expect.objectContaining({
        name: remoteNames.image(forged),
        reason: 'the image does not decode',
      }),
    ]);
    expect(result.summary).toMatchObject({ remoteHits: POSTS - 1, generated: 1, failed: 0 });
    await expectLocalEntriesIntact();
  });
});

describe('writing the local copies behind, as a build does', () => {
  it('makes the same headers, has every copy written by writesDone, and the warm index learns them', async () => {
    const before = (await build()).result;
    await emptyCommittedCache();
    sharpCalls.count = 0;
    const { result, events } = await build({ writeBehind: true });
    expect(result.summary).toMatchObject({ remoteHits: POSTS, generated: 0, failed: 0 });
    expect(result.headers).toEqual(
      before.headers.map((header) => ({ ...header, source: 'remote' })),
    );
    await result.writesDone;
    expect(sharpCalls.count).toBe(0);
    expect(fake.requests).toHaveLength(0);
    expect(events.filter((event) => event.type === 'warning')).toEqual([]);
    await expectLocalEntriesIntact();
    // Saved after the copies were written: the next build finds each at two stats, no hash.
    const index = openWarmIndex(settings().derivedCacheDir);
    for (const job of jobs) {
      expect(index.recall('originals', generationKey(jobKeyInput(job)))).toBeDefined();
    }
    const next = await build({ writeBehind: true });
    expect(next.result.summary).toMatchObject({ cached: POSTS, remoteHits: 0 });
  });

  it('writes each copy before the run returns when its pixels are needed', async () => {
    await emptyCommittedCache();
    await emptyDerivedCache();
    const { result } = await build({ writeBehind: true });
    expect(result.summary).toMatchObject({ remoteHits: POSTS, failed: 0 });
    await expectLocalEntriesIntact();
    await result.writesDone;
  });

  it('warns once about copies it could not write; the headers are made all the same', async () => {
    await build();
    await emptyCommittedCache();
    // The committed cache's folder is a file: no copy can be written there.
    await writeFile(join(root, '.headerforge'), 'not a folder');
    const { result, events } = await build({ writeBehind: true });
    expect(result.summary).toMatchObject({ remoteHits: POSTS, failed: 0 });
    expect(result.headers).toHaveLength(POSTS);
    await result.writesDone;
    const warnings = events.filter((event) => event.type === 'warning');
    expect(warnings).toEqual([
      {
        type: 'warning',
        message: expect.stringMatching(
          /^Could not write 6 images read through from the remote cache into \.headerforge: .+ The pages are not affected; the next build reads them through again\.$/,
        ),
      },
    ]);
  });
});
