import { describe, expect, it } from 'vitest';
import type { GenerationKeyInput } from '../cache/keys.js';
import type { RemoteCache, RemoteFetchOptions } from '../cache/remote-cache.js';
import type { Sidecar } from '../cache/sidecar.js';
import type { CachedImage } from '../cache/store.js';
import { REMOTE_BYTES, REMOTE_CONCURRENCY } from '../cache/tiered-store.js';
import { pullEntries } from './pull.js';
import { pushEntries } from './push.js';
import type { SyncEntry } from './sync-queue.js';

const MiB = 2 ** 20;
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

/** `count` entries, `key-0`…; each stands for an image of `bytes`. */
function entries(count: number): SyncEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${i}`,
    post: `posts/post-${i}.md`,
    input: { prompt: `post ${i}` } as GenerationKeyInput,
  }));
}

const sidecarOf = (key: string, bytes: number) => ({ key, bytes }) as unknown as Sidecar;

/** What the fakes saw: requests in flight and image bytes held at once, at their highest. */
function gauges() {
  const seen = { inFlight: 0, maxInFlight: 0, held: 0, maxHeld: 0 };
  return {
    seen,
    start() {
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    },
    end() {
      seen.inFlight--;
    },
    hold(bytes: number) {
      seen.held += bytes;
      seen.maxHeld = Math.max(seen.maxHeld, seen.held);
    },
    drop(bytes: number) {
      seen.held -= bytes;
    },
  };
}

/**
 * A remote whose every entry is an image of `bytes`, but for the keys in `misses`; its
 * answers take a few milliseconds each, as a network's do. `fail` makes it fail from that
 * request on (the request count, from 0).
 */
function fakeRemote(
  bytes: number,
  gauge: ReturnType<typeof gauges>,
  { misses = new Set<string>(), fail }: { misses?: Set<string>; fail?: number } = {},
) {
  let requests = 0;
  let down = false;
  const remote = {
    label: 'memory://shared',
    readOnly: false,
    async fetch(input: GenerationKeyInput, options?: RemoteFetchOptions) {
      const key = `key-${input.prompt.slice('post '.length)}`;
      gauge.start();
      try {
        // Requests from the failing one on fail; those before it are answered.
        const failing = fail !== undefined && requests++ >= fail;
        if (failing) down = true;
        await tick();
        if (failing) return { status: 'unavailable' };
        if (misses.has(key)) return { status: 'miss' };
        const sidecar = sidecarOf(key, bytes);
        await options?.beforeImage?.(sidecar);
        gauge.hold(bytes);
        await tick();
        return { status: 'hit', sidecar, bytes: new Uint8Array(8) };
      } finally {
        gauge.end();
      }
    },
    async publish(sidecar: Sidecar) {
      gauge.start();
      try {
        if (fail !== undefined && requests++ >= fail) down = true;
        await tick();
        return down ? 'unavailable' : 'written';
      } finally {
        gauge.end();
        gauge.drop(sidecar.bytes);
      }
    },
  } as unknown as RemoteCache;
  return { remote, failure: () => (down ? new Error('the remote is down') : undefined) };
}

/** A local cache that has none of the entries; an adopted image's bytes are then let go. */
function localStore(gauge: ReturnType<typeof gauges>) {
  const adopted: string[] = [];
  const store = {
    lookup: async () => ({ status: 'miss' as const }),
    async adopt(sidecar: Sidecar) {
      await tick();
      adopted.push(sidecar.key);
      gauge.drop(sidecar.bytes);
      return { key: sidecar.key } as CachedImage;
    },
  };
  return { store, adopted };
}

describe('headerforge pull', () => {
  it('fetches many entries at once, never more than a build reads through, rows in order, each counted', async () => {
    const gauge = gauges();
    const { remote, failure } = fakeRemote(100_000, gauge, { misses: new Set(['key-3']) });
    const { store, adopted } = localStore(gauge);
    const counted: number[] = [];
    const rows = await pullEntries(entries(100), {
      remote,
      store,
      dryRun: false,
      failure,
      onProgress: (done, total) => {
        expect(total).toBe(100);
        counted.push(done);
      },
    });
    // Each entry counted as it ended.
    expect(counted).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(gauge.seen.maxInFlight).toBeGreaterThan(1);
    expect(gauge.seen.maxInFlight).toBeLessThanOrEqual(REMOTE_CONCURRENCY);
    expect(rows.map((row) => row.key)).toEqual(entries(100).map((entry) => entry.key));
    expect(rows[3]).toEqual({ key: 'key-3', post: 'posts/post-3.md', result: 'not in the remote' });
    expect(rows.filter((row) => row.result === 'pulled')).toHaveLength(99);
    expect(adopted.toSorted()).toEqual(
      entries(100)
        .map((entry) => entry.key)
        .filter((key) => key !== 'key-3')
        .toSorted(),
    );
  });

  it("adopts a prompt's candidates in order, the first before the others, prompts at once", async () => {
    // Two prompts of three candidates; each prompt's first answer is the slowest, so that
    // candidates 2 and 3 would land first if they went beside it.
    const prompts = ['lighthouse', 'harbour'];
    const all: SyncEntry[] = prompts.flatMap((prompt) =>
      [1, 2, 3].map((candidate) => ({
        key: `${prompt}-${candidate}`,
        post: `posts/${prompt}.md`,
        input: { prompt, ...(candidate > 1 ? { candidate } : {}) } as GenerationKeyInput,
      })),
    );
    let inFlight = 0;
    let maxInFlight = 0;
    const remote = {
      async fetch(input: GenerationKeyInput) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const candidate = input.candidate ?? 1;
        await new Promise((resolve) => setTimeout(resolve, candidate === 1 ? 30 : 2));
        inFlight--;
        const sidecar = { key: `${input.prompt}-${candidate}`, bytes: 10 } as unknown as Sidecar;
        return { status: 'hit', sidecar, bytes: new Uint8Array(1) };
      },
    } as unknown as RemoteCache;
    const adopted: string[] = [];
    const rows = await pullEntries(all, {
      remote,
      store: {
        lookup: async () => ({ status: 'miss' }),
        async adopt(sidecar) {
          // As the store: a candidate is listed in its first image's sidecar.
          const [prompt, candidate] = sidecar.key.split('-');
          if (candidate !== '1' && !adopted.includes(`${prompt}-1`))
            throw new Error(`candidate ${candidate} of ${prompt} before its first image`);
          adopted.push(sidecar.key);
          return { key: sidecar.key } as CachedImage;
        },
      },
      dryRun: false,
      failure: () => undefined,
    });
    expect(rows.map((row) => [row.key, row.result])).toEqual(
      all.map((entry) => [entry.key, 'pulled']),
    );
    // The two prompts' first images were asked for together.
    expect(maxInFlight).toBe(2);
  });

  it('holds no more image bytes at once than a build reading through does', async () => {
    // Images of 40 MiB (4K, kept as received, is about 28 MB): three fit in the bound.
    const bytes = 40 * MiB;
    const gauge = gauges();
    const { remote, failure } = fakeRemote(bytes, gauge);
    const { store } = localStore(gauge);
    const rows = await pullEntries(entries(12), { remote, store, dryRun: false, failure });
    expect(rows.filter((row) => row.result === 'pulled')).toHaveLength(12);
    expect(gauge.seen.maxHeld).toBeLessThanOrEqual(REMOTE_BYTES);
    expect(gauge.seen.maxHeld).toBe(Math.floor(REMOTE_BYTES / bytes) * bytes);
  });

  it('starts nothing more once the remote fails, and writes nothing on a dry run', async () => {
    const gauge = gauges();
    const { remote, failure } = fakeRemote(1000, gauge, { fail: 40 });
    let adopts = 0;
    const rows = await pullEntries(entries(200), {
      remote,
      store: {
        lookup: async () => ({ status: 'miss' }),
        async adopt() {
          adopts++;
          return {} as CachedImage;
        },
      },
      dryRun: true,
      failure,
    });
    expect(adopts).toBe(0);
    // The 40 answered, then those already asked for when the remote failed.
    expect(rows.length).toBeGreaterThan(40);
    expect(rows.length).toBeLessThanOrEqual(40 + REMOTE_CONCURRENCY);
    expect(rows.slice(0, 40).every((row) => row.result === 'would pull')).toBe(true);
    expect(rows.slice(40).every((row) => row.result === 'unavailable')).toBe(true);
  });

  it('fails with a local write’s error once the entries being pulled have ended, starting no more', async () => {
    const gauge = gauges();
    const { remote, failure } = fakeRemote(1000, gauge);
    let adopts = 0;
    let inAdopt = 0;
    const pulling = pullEntries(entries(200), {
      remote,
      store: {
        lookup: async () => ({ status: 'miss' }),
        async adopt(sidecar) {
          adopts++;
          inAdopt++;
          await tick();
          inAdopt--;
          if (sidecar.key === 'key-5') throw new Error('ENOSPC: no space left on device');
          return {} as CachedImage;
        },
      },
      dryRun: false,
      failure,
    });
    await expect(pulling).rejects.toThrow('ENOSPC');
    expect(inAdopt).toBe(0);
    expect(adopts).toBeLessThan(200);
  });
});

describe('headerforge push', () => {
  it('uploads what the remote lacks, many at once, bytes bounded, rows in order', async () => {
    const bytes = 40 * MiB;
    const gauge = gauges();
    const { remote, failure } = fakeRemote(bytes, gauge);
    const all = entries(60);
    const present = new Set(['key-0', 'key-7']);
    const rows = await pushEntries(all, {
      remote,
      store: {
        lookup: async (input) => {
          const key = `key-${input.prompt.slice('post '.length)}`;
          if (key === 'key-9') return { status: 'miss' };
          return { status: 'hit', entry: { key, file: key, sidecar: sidecarOf(key, bytes) } };
        },
        async read(entry) {
          gauge.hold(entry.sidecar.bytes);
          return new Uint8Array(8);
        },
      },
      present,
      dryRun: false,
      failure,
    });
    expect(rows.map((row) => row.key)).toEqual(
      all.map((entry) => entry.key).filter((key) => !present.has(key)),
    );
    expect(rows.find((row) => row.key === 'key-9')?.result).toBe('not in the local cache');
    expect(rows.filter((row) => row.result === 'written')).toHaveLength(57);
    expect(gauge.seen.maxInFlight).toBeGreaterThan(1);
    expect(gauge.seen.maxInFlight).toBeLessThanOrEqual(REMOTE_CONCURRENCY);
    expect(gauge.seen.maxHeld).toBeLessThanOrEqual(REMOTE_BYTES);
    expect(gauge.seen.maxHeld).toBeGreaterThan(bytes);
  });

  it('a dry run reads and uploads nothing', async () => {
    const gauge = gauges();
    const { remote, failure } = fakeRemote(1000, gauge);
    let calls = 0;
    const rows = await pushEntries(entries(5), {
      remote,
      store: {
        lookup: async () => {
          calls++;
          return { status: 'miss' };
        },
        read: async () => {
          calls++;
          return new Uint8Array();
        },
      },
      present: new Set(['key-1']),
      dryRun: true,
      failure,
    });
    expect(calls).toBe(0);
    expect(gauge.seen.maxInFlight).toBe(0);
    expect(rows.map((row) => [row.key, row.result])).toEqual([
      ['key-0', 'would upload'],
      ['key-2', 'would upload'],
      ['key-3', 'would upload'],
      ['key-4', 'would upload'],
    ]);
  });
});
