import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GenerationKeyInput, generationKey } from './keys.js';
import { openImageStore } from './store.js';
import { openWarmIndex } from './warm-index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-candidates-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const first: GenerationKeyInput = {
  provider: 'openrouter',
  prompt: 'A lighthouse at dusk',
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
};
const candidate = (k: number): GenerationKeyInput => ({ ...first, candidate: k });
const base = generationKey(first);
const shard = () => join(dir, 'cache', base.slice(0, 2));
const pngOf = (colour: string) =>
  sharp({ create: { width: 64, height: 36, channels: 3, background: colour } })
    .png()
    .toBuffer();
const imageOf = async (colour: string) => ({
  bytes: await pngOf(colour),
  mediaType: 'image/png' as const,
  width: 64,
  height: 36,
});
const meta = { placeholder: false, costUsd: 0.039, sources: ['posts/a.md'] };
const sidecar = async () => JSON.parse(await readFile(join(shard(), `${base}.json`), 'utf8'));

describe("a prompt's candidates in one entry", () => {
  it('files candidate k beside the first image, listed in its sidecar with its own hash', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(first, await imageOf('#112233'), meta);
    const second = await store.persist(candidate(2), await imageOf('#445566'), meta);
    const third = await store.persist(candidate(3), await imageOf('#778899'), meta);

    expect((await readdir(shard())).sort()).toEqual([
      `${base}-2.png`,
      `${base}-3.png`,
      `${base}.json`,
      `${base}.png`,
    ]);
    const written = await sidecar();
    expect(written.candidates).toEqual([
      expect.objectContaining({
        candidate: 2,
        file: `${base}-2.png`,
        sha256: second.sidecar.sha256,
        costUsd: 0.039,
      }),
      expect.objectContaining({
        candidate: 3,
        file: `${base}-3.png`,
        sha256: third.sidecar.sha256,
      }),
    ]);
    // Each candidate is found as an image of its own key, for derivation and the remote.
    const found = await openImageStore(join(dir, 'cache')).lookup(candidate(2));
    expect(found).toMatchObject({
      status: 'hit',
      entry: {
        key: generationKey(candidate(2)),
        file: join(shard(), `${base}-2.png`),
        sidecar: { candidate: 2 },
      },
    });
    expect(await store.lookup(candidate(4))).toEqual({ status: 'miss' });
  });

  it('keeps the candidates listed when the first image is saved again (offline art redrawn)', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(first, await imageOf('#112233'), meta);
    const second = await store.persist(candidate(2), await imageOf('#445566'), meta);
    const redrawn = await store.persist(first, await imageOf('#223344'), meta);
    const written = await sidecar();
    expect(written.sha256).toBe(redrawn.sidecar.sha256);
    expect(written.candidates).toEqual([
      expect.objectContaining({ candidate: 2, sha256: second.sidecar.sha256 }),
    ]);
    // Found as listed, not recovered as a file the sidecar lost.
    const found = await openImageStore(join(dir, 'cache')).lookup(candidate(2));
    expect(found).toMatchObject({ status: 'hit', entry: { sidecar: { candidate: 2 } } });
    expect(found.status === 'hit' && found.entry.sidecar.recovered).toBeFalsy();
  });

  it("a warm lookup of a candidate in a copy of the cache names the copy's file", async () => {
    const cache = join(dir, 'site', '.headerforge');
    const derived = join(dir, 'site', 'node_modules/.cache/headerforge');
    const store = openImageStore(cache, { warmIndex: openWarmIndex(derived) });
    await store.persist(first, await imageOf('#112233'), meta);
    await store.persist(candidate(2), await imageOf('#445566'), meta);
    const warm = openWarmIndex(derived);
    // Looked up once (hashed, and remembered), then recalled from the index.
    expect((await openImageStore(cache, { warmIndex: warm }).lookup(candidate(2))).status).toBe(
      'hit',
    );
    await warm.save();
    // A copy of the whole site, times kept (as `mv` or `cp -a` leave it).
    await promisify(execFile)('cp', ['-a', join(dir, 'site'), join(dir, 'copy')]);
    const copied = openImageStore(join(dir, 'copy', '.headerforge'), {
      warmIndex: openWarmIndex(join(dir, 'copy', 'node_modules/.cache/headerforge')),
    });
    const recalled = copied.recall(candidate(2));
    expect(recalled?.status).toBe('hit');
    expect(recalled?.status === 'hit' && recalled.entry.file).toBe(
      join(dir, 'copy', '.headerforge', base.slice(0, 2), `${base}-2.png`),
    );
  });

  it('recovers a candidate file whose line never reached the sidecar (a crash between the writes)', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(first, await imageOf('#112233'), meta);
    await writeFile(join(shard(), `${base}-3.png`), await pngOf('#abcdef'));
    const found = await store.lookup(candidate(3));
    expect(found.status).toBe('hit');
    expect((await sidecar()).candidates).toEqual([
      expect.objectContaining({ candidate: 3, recovered: true }),
    ]);
  });

  it('sets a tampered candidate aside alone; the first image and the others stay', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(first, await imageOf('#112233'), meta);
    await store.persist(candidate(2), await imageOf('#445566'), meta);
    await store.persist(candidate(3), await imageOf('#778899'), meta);
    await copyFile(join(shard(), `${base}-3.png`), join(shard(), `${base}-2.png`));

    // As doctor sees it: read-only, nothing moved.
    const doctor = openImageStore(join(dir, 'cache'), { readOnly: true });
    const listing = await doctor.list();
    expect(listing.entries).toHaveLength(1);
    expect(listing.entries[0]?.files).toHaveLength(4);
    expect(await doctor.check(listing.entries[0] as (typeof listing.entries)[number])).toMatch(
      /-2\.png (does not match the hash in its sidecar|has \d+ bytes, its sidecar says \d+)/,
    );

    const fresh = openImageStore(join(dir, 'cache'));
    const bad = await fresh.lookup(candidate(2));
    expect(bad).toMatchObject({
      status: 'corrupt',
      reason: expect.stringMatching(/-2\.png (does not match|has \d+ bytes)/),
    });
    expect((await fresh.lookup(first)).status).toBe('hit');
    expect((await fresh.lookup(candidate(3))).status).toBe('hit');
    expect(await readdir(shard())).not.toContain(`${base}-2.png`);
  });

  it('keeps the candidates when the first image is set aside and made again', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(first, await imageOf('#112233'), meta);
    await store.persist(candidate(2), await imageOf('#445566'), meta);
    await writeFile(join(shard(), `${base}.png`), 'garbage');
    expect((await store.lookup(first)).status).toBe('corrupt');
    expect(await readdir(shard())).toEqual([`${base}-2.png`]);
    await store.persist(first, await imageOf('#998877'), meta);
    expect((await store.lookup(candidate(2))).status).toBe('hit');
  });

  it('takes in a candidate made elsewhere (the remote cache) into the entry', async () => {
    const elsewhere = openImageStore(join(dir, 'other'));
    await elsewhere.persist(first, await imageOf('#112233'), meta);
    const made = await elsewhere.persist(candidate(2), await imageOf('#445566'), meta);

    const here = openImageStore(join(dir, 'cache'));
    const one = await elsewhere.lookup(first);
    if (one.status !== 'hit') throw new Error('expected a hit');
    await here.adopt(one.entry.sidecar, await elsewhere.read(one.entry));
    expect((await sidecar()).candidates).toBeUndefined();
    await here.adopt(made.sidecar, await elsewhere.read(made));
    expect((await sidecar()).candidates).toEqual([
      expect.objectContaining({ candidate: 2, sha256: made.sidecar.sha256 }),
    ]);
    expect((await here.lookup(candidate(2))).status).toBe('hit');
  });

  it('keeps the time a candidate made elsewhere was made, not the time it was taken in', async () => {
    const elsewhere = openImageStore(join(dir, 'other'));
    const one = await elsewhere.persist(first, await imageOf('#112233'), meta);
    const made = await elsewhere.persist(candidate(2), await imageOf('#445566'), meta);
    const created = '2026-01-02T03:04:05.678Z';

    const here = openImageStore(join(dir, 'cache'));
    await here.adopt(one.sidecar, await elsewhere.read(one));
    await here.adopt({ ...made.sidecar, created }, await elsewhere.read(made));
    expect((await sidecar()).candidates).toEqual([
      expect.objectContaining({ candidate: 2, created }),
    ]);
  });

  it('refuses to list a candidate before the first image, keeping its file', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await expect(store.persist(candidate(2), await imageOf('#445566'), meta)).rejects.toThrow(
      /first image is not there/,
    );
    expect(await readdir(shard())).toEqual([`${base}-2.png`]);
  });
});
