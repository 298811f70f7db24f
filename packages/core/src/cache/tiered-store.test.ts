import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPixelBudget } from '../pipeline/pixel-budget.js';
import { type GenerationKeyInput, generationKey } from './keys.js';
import type { RemoteCache, RemoteFetchOptions } from './remote-cache.js';
import type { Sidecar } from './sidecar.js';
import { type ImageStore, openImageStore } from './store.js';
import { openTieredStore, type RemoteOutcome } from './tiered-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-tiered-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const input: GenerationKeyInput = {
  provider: 'openrouter',
  prompt: 'A lighthouse at dusk, read through',
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
};
const png = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#336699' } })
  .png()
  .toBuffer();

/** An entry as another machine made it: its sidecar and bytes, as a remote hands them over. */
async function remoteEntry(made = input): Promise<{ sidecar: Sidecar; bytes: Uint8Array }> {
  const elsewhere = openImageStore(join(dir, 'elsewhere'));
  const entry = await elsewhere.persist(
    made,
    { bytes: png, mediaType: 'image/png', width: 64, height: 36 },
    { placeholder: false, costUsd: 0.04, generationId: 'gen-1', sources: ['src/content/a.md'] },
  );
  return { sidecar: entry.sidecar, bytes: new Uint8Array(await readFile(entry.file)) };
}

/**
 * A remote that has the entries, and goes through an image's steps as a real one does: its
 * bytes held (`beforeImage`), asked for (its key added to `asked`), its pixels checked or not.
 */
function remoteWith(
  ...entries: Array<{ sidecar: Sidecar; bytes: Uint8Array }>
): RemoteCache & { asked: string[] } {
  const byKey = new Map(entries.map((entry) => [entry.sidecar.key, entry]));
  const asked: string[] = [];
  return {
    label: 'memory://shared',
    readOnly: true,
    asked,
    async fetch(made: GenerationKeyInput, options?: RemoteFetchOptions) {
      const entry = byKey.get(generationKey(made));
      if (!entry) return { status: 'miss' };
      await options?.beforeImage?.(entry.sidecar);
      asked.push(entry.sidecar.key);
      await options?.needsPixels?.(entry.sidecar);
      return { status: 'hit', sidecar: entry.sidecar, bytes: entry.bytes };
    },
    publish: async () => 'read-only',
    lease: async () => 'read-only',
    keys: async () => new Set(byKey.keys()),
    close: async () => {},
  } as RemoteCache & { asked: string[] };
}

/** The local store, with its writes of adopted entries held until `release` (or failing). */
function heldLocal(failWith?: Error) {
  const local = openImageStore(join(dir, 'cache'));
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let adopting = 0;
  const store: ImageStore = {
    ...local,
    async adopt(sidecar, bytes) {
      adopting++;
      await released;
      if (failWith) throw failWith;
      return local.adopt(sidecar, bytes);
    },
  };
  return { store, release, adopting: () => adopting };
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('openTieredStore, writing behind', () => {
  it("waits for a first image's copy written behind before adopting a later candidate of it", async () => {
    // Candidate 2 is listed in the first image's sidecar: adopted before that sidecar is
    // written, it failed as a corrupt entry ("the entry's first image is not there").
    const first = await remoteEntry();
    const second = await remoteEntry({ ...input, candidate: 2 });
    const remote = remoteWith(first, second);
    const local = openImageStore(join(dir, 'cache'));
    const tiered = openTieredStore(local, remote, () => {}, { writeBehind: true });

    const one = await tiered.readThrough(input, { needsPixels: () => false });
    const two = await tiered.readThrough({ ...input, candidate: 2 }, { needsPixels: () => false });
    expect(two?.key).toBe(second.sidecar.key);
    expect(await tiered.settle()).toEqual({ written: 1, failures: [] });
    const lookedUp = await local.lookup(input);
    expect(lookedUp.status === 'hit' && lookedUp.entry.sidecar.candidates).toEqual([
      expect.objectContaining({ candidate: 2, sha256: second.sidecar.sha256 }),
    ]);
    expect(one?.key).toBe(first.sidecar.key);
  });

  it('returns an entry whose pixels are not needed before its copy is written; read and settle wait for it', async () => {
    const entry = await remoteEntry();
    const held = heldLocal();
    const outcomes: RemoteOutcome[] = [];
    const tiered = openTieredStore(held.store, remoteWith(entry), (o) => outcomes.push(o), {
      writeBehind: true,
    });

    const shared = await tiered.readThrough(input, { needsPixels: () => false });
    expect(shared).toEqual(held.store.adoptedEntry(entry.sidecar));
    expect(shared?.file).toBe(
      join(dir, 'cache', entry.sidecar.key.slice(0, 2), entry.sidecar.file),
    );
    expect(outcomes).toEqual([{ type: 'hit', key: entry.sidecar.key }]);
    expect(held.adopting()).toBe(1);
    expect(await exists(shared?.file ?? '')).toBe(false);

    // Reading the entry's bytes waits for its copy.
    let read: Uint8Array | undefined;
    const reading = tiered.read(shared as NonNullable<typeof shared>).then((bytes) => {
      read = bytes;
    });
    const settling = tiered.settle();
    await tick();
    expect(read).toBeUndefined();
    held.release();
    await reading;
    expect(Buffer.from(read ?? [])).toEqual(Buffer.from(entry.bytes));
    expect(await settling).toEqual({ written: 1, failures: [] });
    expect((await held.store.lookup(input)).status).toBe('hit');
    // Settled once: a second call has nothing more to report.
    expect(await tiered.settle()).toEqual({ written: 0, failures: [] });
  });

  it('writes the copy first when its pixels are needed, or without writeBehind', async () => {
    const entry = await remoteEntry();
    for (const [writeBehind, needsPixels] of [
      [true, true],
      [false, false],
    ] as const) {
      await rm(join(dir, 'cache'), { recursive: true, force: true });
      const held = heldLocal();
      const tiered = openTieredStore(held.store, remoteWith(entry), () => {}, { writeBehind });
      let returned = false;
      const reading = tiered.readThrough(input, { needsPixels: () => needsPixels }).then((e) => {
        returned = true;
        return e;
      });
      await tick();
      expect(returned, `writeBehind ${writeBehind}, needsPixels ${needsPixels}`).toBe(false);
      held.release();
      const shared = await reading;
      expect(await exists(shared?.file ?? '')).toBe(true);
      expect(await tiered.settle()).toEqual({ written: 0, failures: [] });
    }
  });

  it('reports a copy that could not be written, without failing the read-through', async () => {
    const entry = await remoteEntry();
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const held = heldLocal(full);
    const tiered = openTieredStore(held.store, remoteWith(entry), () => {}, { writeBehind: true });
    const shared = await tiered.readThrough(input, { needsPixels: async () => false });
    expect(shared?.key).toBe(entry.sidecar.key);
    held.release();
    await expect(tiered.read(shared as NonNullable<typeof shared>)).rejects.toBe(full);
    expect(await tiered.settle()).toEqual({
      written: 0,
      failures: [{ key: entry.sidecar.key, error: full }],
    });
    expect(await exists(shared?.file ?? '')).toBe(false);
  });
});

describe('openTieredStore, image bytes held at once', () => {
  it('makes a read-through wait while the images held (in flight or queued behind) fill the budget', async () => {
    const inputs = [1, 2, 3].map((n) => ({ ...input, prompt: `${input.prompt} ${n}` }));
    const entries = await Promise.all(inputs.map((made) => remoteEntry(made)));
    const remote = remoteWith(...entries);
    const { asked } = remote;
    const size = entries[0]?.bytes.byteLength ?? 0;
    expect(entries.every((entry) => entry.bytes.byteLength === size)).toBe(true);
    const held = heldLocal();
    // Room for two images: the third is asked for once one of the first two is written.
    const tiered = openTieredStore(held.store, remote, () => {}, {
      writeBehind: true,
      byteLimit: createPixelBudget(2 * size, Number.POSITIVE_INFINITY),
    });
    const returned: number[] = [];
    const reads = inputs.map((made, i) =>
      tiered.readThrough(made, { needsPixels: () => false }).then((entry) => {
        returned.push(i);
        return entry;
      }),
    );
    await tick();
    expect(returned.toSorted()).toEqual([0, 1]);
    expect(asked).toHaveLength(2);
    held.release();
    const shared = await Promise.all(reads);
    expect(asked).toHaveLength(3);
    expect(shared.map((entry) => entry?.key)).toEqual(entries.map((entry) => entry.sidecar.key));
    expect(await tiered.settle()).toEqual({ written: 3, failures: [] });
  });

  it('lets an image larger than the whole budget through alone, and gives its share back whether its copy was written first or behind', async () => {
    const entry = await remoteEntry();
    const held = heldLocal();
    held.release();
    const tiered = openTieredStore(held.store, remoteWith(entry), () => {}, {
      writeBehind: true,
      byteLimit: createPixelBudget(1, Number.POSITIVE_INFINITY),
    });
    for (let i = 0; i < 3; i++) {
      const shared = await tiered.readThrough(input, { needsPixels: () => i === 1 });
      expect(shared?.key).toBe(entry.sidecar.key);
      await tiered.settle();
    }
  });
});
