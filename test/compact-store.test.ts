import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compactEntry,
  compactImage,
  type GenerationKeyInput,
  generationKey,
  openImageStore,
  sha256Hex,
} from '@headerforge/core/internal';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { photoLikePng } from '../bench/photo-like.mjs';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-compact-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const input: GenerationKeyInput = {
  provider: 'openrouter',
  prompt: 'Moss on a granite boulder',
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
};
const key = generationKey(input);
// Photo-like (see bench/photo-like.mjs), a quarter of 1K a side to keep the test quick.
const [W, H] = [336, 192];
const pngs = [
  await photoLikePng('foliage', 1, W, H),
  await photoLikePng('sky', 2, W, H),
  await photoLikePng('fabric', 3, W, H),
];
const image = (bytes: Buffer) => ({ bytes, mediaType: 'image/png' as const, width: W, height: H });
const meta = { placeholder: false, costUsd: 0.04, sources: ['src/content/a.md'] };

/** An entry of three images stored as received (a cache from before compact storage). */
async function storedAsReceived() {
  const old = openImageStore(dir);
  await old.persist(input, image(pngs[0] as Buffer), meta);
  await old.persist({ ...input, candidate: 2 }, image(pngs[1] as Buffer), meta);
  await old.persist({ ...input, candidate: 3 }, image(pngs[2] as Buffer), meta);
  const [listed] = (await old.list()).entries;
  if (!listed) throw new Error('no entry');
  const read = await old.readSidecar(listed);
  if (!('sidecar' in read)) throw new Error(read.problem);
  return { old, listed, read, shard: join(dir, key.slice(0, 2)) };
}

describe('compact storage', () => {
  it('stores a received PNG as AVIF and records what was received; the same bytes give the same file', async () => {
    const store = openImageStore(dir, { compact: true });
    const entry = await store.persist(input, image(pngs[0] as Buffer), meta);
    expect(entry.file).toBe(join(dir, key.slice(0, 2), `${key}.avif`));
    expect(entry.sidecar).toMatchObject({
      mediaType: 'image/avif',
      width: W,
      height: H,
      received: {
        sha256: sha256Hex(pngs[0] as Buffer),
        bytes: (pngs[0] as Buffer).length,
        mediaType: 'image/png',
      },
    });
    expect(entry.sidecar.bytes).toBeLessThan((pngs[0] as Buffer).length / 3);
    const found = await openImageStore(dir).lookup(input);
    expect(found).toMatchObject({ status: 'hit', entry: { file: entry.file } });
    const again = await compactImage(pngs[0] as Buffer, 'image/png');
    expect(sha256Hex(again?.bytes as Uint8Array)).toBe(entry.sidecar.sha256);

    const candidate = await store.persist(
      { ...input, candidate: 2 },
      image(pngs[1] as Buffer),
      meta,
    );
    expect(candidate.sidecar).toMatchObject({
      mediaType: 'image/avif',
      received: { sha256: sha256Hex(pngs[1] as Buffer) },
    });
    expect(candidate.file).toBe(join(dir, key.slice(0, 2), `${key}-2.avif`));
  });

  it('as received, and in a placeholder store, keeps the bytes as they came', async () => {
    const asReceived = await openImageStore(join(dir, 'a')).persist(
      input,
      image(pngs[0] as Buffer),
      meta,
    );
    expect(asReceived.sidecar.sha256).toBe(sha256Hex(pngs[0] as Buffer));
    expect(asReceived.sidecar.received).toBeUndefined();
    const placeholder = await openImageStore(join(dir, 'p'), {
      compact: true,
      placeholders: true,
    }).persist(input, image(pngs[0] as Buffer), { ...meta, placeholder: true });
    expect(placeholder.sidecar).toMatchObject({ mediaType: 'image/png' });
    expect(placeholder.sidecar.received).toBeUndefined();
  });

  it('converts an old cache in place, survives an interruption between any two steps, and converts nothing twice', async () => {
    const { old, listed, read, shard } = await storedAsReceived();

    // Killed after writing the new files, before the sidecar: the old state, plus strays.
    const compactBytes = await compactImage(pngs[0] as Buffer, 'image/png');
    await writeFile(join(shard, `${key}.avif`), compactBytes?.bytes as Uint8Array);
    const stray = (await old.list()).entries[0];
    expect(await old.check(stray as typeof listed)).toBeUndefined();
    expect((await old.lookup(input)).status === 'hit' && (await old.lookup(input))).toMatchObject({
      entry: { sidecar: { mediaType: 'image/png' } },
    });

    const done = await compactEntry(listed, read.sidecar, { dryRun: false });
    expect(done).toMatchObject({ images: 3, problems: [] });
    expect(done.after).toBeLessThan(done.before / 3);
    expect((await readdir(shard)).sort()).toEqual(
      [`${key}.json`, `${key}.avif`, `${key}-2.avif`, `${key}-3.avif`].sort(),
    );
    const converted = await old.readSidecar(listed);
    if (!('sidecar' in converted)) throw new Error(converted.problem);
    expect(converted.sidecar.received?.sha256).toBe(sha256Hex(pngs[0] as Buffer));
    expect(converted.sidecar.candidates?.map((c) => c.received?.sha256)).toEqual([
      sha256Hex(pngs[1] as Buffer),
      sha256Hex(pngs[2] as Buffer),
    ]);
    expect(await old.check(listed)).toBeUndefined();
    for (const candidate of [undefined, 2, 3])
      expect((await old.lookup({ ...input, candidate })).status).toBe('hit');

    // Killed after the sidecar, before deleting an old file: it is ignored, then removed.
    await writeFile(join(shard, `${key}-2.png`), pngs[1] as Buffer);
    expect(await old.check(listed)).toBeUndefined();
    const again = await compactEntry(listed, converted.sidecar, { dryRun: false });
    expect(again.images).toBe(0);
    expect(await readdir(shard)).not.toContain(`${key}-2.png`);
  });

  it('leaves no new file behind when a write fails part way (a full disk, say), and converts on the next run', async () => {
    const { old, listed, read, shard } = await storedAsReceived();
    const before = (await readdir(shard)).sort();

    // The third image's new file cannot be written: a folder stands in its place.
    await mkdir(join(shard, `${key}-3.avif`));
    await expect(compactEntry(listed, read.sidecar, { dryRun: false })).rejects.toThrow();
    expect((await readdir(shard)).sort()).toEqual([...before, `${key}-3.avif`].sort());
    expect(await old.check(listed)).toBeUndefined();
    for (const candidate of [undefined, 2, 3])
      expect(await old.lookup({ ...input, candidate })).toMatchObject({
        status: 'hit',
        entry: { sidecar: { mediaType: 'image/png' } },
      });

    await rm(join(shard, `${key}-3.avif`), { recursive: true });
    const done = await compactEntry(listed, read.sidecar, { dryRun: false });
    expect(done).toMatchObject({ images: 3, problems: [] });
    expect((await readdir(shard)).sort()).toEqual(
      [`${key}.json`, `${key}.avif`, `${key}-2.avif`, `${key}-3.avif`].sort(),
    );
  });

  it('keeps an image larger than 2K as received in a build; headerforge compact stores it as WebP', async () => {
    // 2880×1620 (4.7 megapixels): AVIF's encoder would need ~140 MB, WebP's is used offline.
    const [w, h] = [2880, 1620];
    const large = await photoLikePng('sky', 4, w, h);
    const store = openImageStore(dir, { compact: true });
    const entry = await store.persist(
      input,
      { bytes: large, mediaType: 'image/png', width: w, height: h },
      meta,
    );
    expect(entry.sidecar).toMatchObject({ mediaType: 'image/png', sha256: sha256Hex(large) });
    expect(entry.sidecar.received).toBeUndefined();
    const [listed] = (await store.list()).entries;
    const read = await store.readSidecar(listed as NonNullable<typeof listed>);
    if (!('sidecar' in read)) throw new Error(read.problem);
    const done = await compactEntry(listed as NonNullable<typeof listed>, read.sidecar, {
      dryRun: false,
    });
    expect(done).toMatchObject({ images: 1, problems: [] });
    const after = await openImageStore(dir).lookup(input);
    expect(after).toMatchObject({
      status: 'hit',
      entry: { sidecar: { mediaType: 'image/webp', received: { sha256: sha256Hex(large) } } },
    });
  });
});
