import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GenerationKeyInput, generationKey } from './keys.js';
import { openImageStore } from './store.js';
import { openWarmIndex } from './warm-index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hf-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const input: GenerationKeyInput = {
  provider: 'openrouter',
  prompt: 'A lighthouse at dusk',
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
};
const key = generationKey(input);
const png = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#336699' } })
  .png()
  .toBuffer();
const image = { bytes: png, mediaType: 'image/png' as const, width: 64, height: 36 };
const meta = {
  placeholder: false,
  costUsd: 0.04,
  generationId: 'gen-1',
  sources: ['src/content/b.md', 'src/content/a.md'],
};

describe('openImageStore', () => {
  it('persists the image and a sidecar in a sharded layout, then hits', async () => {
    const store = openImageStore(join(dir, 'cache'));
    expect(await store.lookup(input)).toEqual({ status: 'miss' });
    const entry = await store.persist(input, image, meta);
    expect(entry.file).toBe(join(dir, 'cache', key.slice(0, 2), `${key}.png`));
    const sidecar = JSON.parse(
      await readFile(join(dir, 'cache', key.slice(0, 2), `${key}.json`), 'utf8'),
    );
    expect(sidecar).toMatchObject({
      key,
      prompt: input.prompt,
      model: input.model,
      placeholder: false,
      bytes: png.length,
      width: 64,
      costUsd: 0.04,
      generationId: 'gen-1',
      sources: ['src/content/a.md', 'src/content/b.md'],
    });
    const hit = await store.lookup(input);
    expect(hit.status).toBe('hit');
    if (hit.status === 'hit')
      expect(Buffer.from(await store.read(hit.entry)).equals(png)).toBe(true);
    expect(await readFile(join(dir, 'cache', '.gitignore'), 'utf8')).toContain('.locks/');
    expect((await readdir(join(dir, 'cache'))).filter((name) => name.endsWith('.json'))).toEqual(
      [],
    );
  });

  it('sets aside an image whose bytes no longer match, and then misses', async () => {
    const store = openImageStore(join(dir, 'cache'));
    const entry = await store.persist(input, image, meta);
    const tampered = Buffer.from(png);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 0xff, tampered.length - 5);
    await writeFile(entry.file, tampered);
    const result = await store.lookup(input);
    expect(result).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('does not match the hash'),
    });
    expect(await store.lookup(input)).toEqual({ status: 'miss' });
    const quarantined = await readdir(join(dir, 'cache', '.quarantine'));
    expect(quarantined).toHaveLength(1);
    expect(await readdir(join(dir, 'cache', '.quarantine', quarantined[0] as string))).toEqual([
      `${key}.json`,
      `${key}.png`,
    ]);
  });

  it('rejects a sidecar that claims a different prompt than its key', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(input, image, meta);
    const path = join(dir, 'cache', key.slice(0, 2), `${key}.json`);
    const sidecar = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...sidecar, prompt: 'Something else entirely' }));
    expect(await store.lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('different prompt'),
    });
  });

  it('rejects a sidecar that names an image other than its own, even with that image’s hash', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(input, image, meta);
    const shard = join(dir, 'cache', key.slice(0, 2));
    const stranger = `${key.slice(0, 2)}${'f'.repeat(62)}.png`;
    await writeFile(join(shard, stranger), png);
    const path = join(shard, `${key}.json`);
    const sidecar = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...sidecar, file: stranger }));
    expect(await store.lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining(`names ${stranger}, not its own image`),
    });
  });

  it('refuses to write through a .quarantine or .locks folder that is a symlink', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const cache = join(dir, 'cache');
    const store = openImageStore(cache);
    const entry = await store.persist(input, image, meta);
    await symlink(outside, join(cache, '.quarantine'));
    await symlink(outside, join(cache, '.locks'));
    await writeFile(entry.file, 'tampered');
    await expect(store.lookup(input)).rejects.toMatchObject({
      code: 'cache_corrupt',
      message: expect.stringContaining('.quarantine is a symlink'),
    });
    await expect(store.lock(key)).rejects.toMatchObject({
      code: 'cache_corrupt',
      message: expect.stringContaining('.locks is a symlink'),
    });
    await expect(store.keepRejected(key, png, 'why')).rejects.toMatchObject({
      code: 'cache_corrupt',
    });
    expect(await readdir(outside)).toEqual([]);
    // The tampered entry stays where it was, for the user to look at.
    expect(await readFile(entry.file, 'utf8')).toBe('tampered');
  });

  it('rejects a sidecar that is not JSON or not a sidecar', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(input, image, meta);
    await writeFile(
      join(dir, 'cache', key.slice(0, 2), `${key}.json`),
      '{"schema": 1, "key": "nope"',
    );
    expect(await store.lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('not a valid headerforge sidecar'),
    });
  });

  it('refuses a symlink planted in place of an image or a sidecar, without following it', async () => {
    const outside = join(dir, 'outside.png');
    await writeFile(outside, png);
    const store = openImageStore(join(dir, 'cache'));
    const entry = await store.persist(input, image, meta);
    await rm(entry.file);
    await symlink(outside, entry.file);
    expect(await store.lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('not a regular file'),
    });

    await store.persist(input, image, meta);
    const sidecarPath = join(dir, 'cache', key.slice(0, 2), `${key}.json`);
    await rm(sidecarPath);
    await symlink(join(dir, 'outside.json'), sidecarPath);
    expect(await store.lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('symlink'),
    });
    expect(await readFile(outside)).toEqual(png);
  });

  it('refuses a shard folder that is a symlink', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await mkdir(join(dir, 'elsewhere'));
    await mkdir(join(dir, 'cache'), { recursive: true });
    await symlink(join(dir, 'elsewhere'), join(dir, 'cache', key.slice(0, 2)));
    expect(await store.lookup(input)).toMatchObject({ status: 'corrupt' });
    await store.persist(input, image, meta);
    expect(await readdir(join(dir, 'elsewhere'))).toEqual([]);
  });

  it('recovers an image whose sidecar was never written (crash between the writes)', async () => {
    const store = openImageStore(join(dir, 'cache'));
    const entry = await store.persist(input, image, meta);
    await rm(join(dir, 'cache', key.slice(0, 2), `${key}.json`));
    const result = await store.lookup(input);
    expect(result.status).toBe('hit');
    if (result.status === 'hit') {
      expect(result.entry.file).toBe(entry.file);
      expect(result.entry.sidecar).toMatchObject({
        recovered: true,
        width: 64,
        height: 36,
        prompt: input.prompt,
      });
    }
  });

  it('refuses a placeholder sidecar in the committed cache', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(input, image, { ...meta, placeholder: true });
    expect(await store.lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('placeholder'),
    });
  });

  it('the placeholder store hits its own placeholders and refuses a real image', async () => {
    const placeholders = openImageStore(join(dir, 'placeholders'), { placeholders: true });
    await placeholders.persist(input, image, { ...meta, placeholder: true });
    const hit = await placeholders.lookup(input);
    expect(hit).toMatchObject({ status: 'hit', entry: { sidecar: { placeholder: true } } });
    const other = { ...input, prompt: 'Not offline art' };
    await placeholders.persist(other, image, meta);
    expect(await placeholders.lookup(other)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('not a placeholder'),
    });
  });

  it('trusts a verification note for an unchanged file instead of re-hashing', async () => {
    const verificationDir = join(dir, 'derived');
    const store = openImageStore(join(dir, 'cache'), { verificationDir });
    const entry = await store.persist(input, image, meta);
    const before = await stat(entry.file);
    // Same size, same mtime, different bytes: only a re-hash would notice.
    const swapped = Buffer.from(png);
    swapped.writeUInt8(swapped.readUInt8(swapped.length - 5) ^ 0xff, swapped.length - 5);
    await writeFile(entry.file, swapped);
    await utimes(entry.file, before.atime, before.mtime);
    expect((await store.lookup(input)).status).toBe('hit');
    expect((await openImageStore(join(dir, 'cache')).lookup(input)).status).toBe('corrupt');
  });

  it('with a warm index, hits on two stats and re-verifies any entry whose files changed', async () => {
    const warm = () => openWarmIndex(join(dir, 'derived'));
    const store = (index = warm()) => openImageStore(join(dir, 'cache'), { warmIndex: index });
    await store().persist(input, image, meta);
    // Whole seconds, so that the test can put a file's mtime back exactly.
    const sidecarPath = join(dir, 'cache', key.slice(0, 2), `${key}.json`);
    const then = new Date('2026-11-01T10:00:00Z');
    await utimes(sidecarPath, then, then);
    const first = warm();
    expect((await store(first).lookup(input)).status).toBe('hit');
    await first.save();

    // Remembered: the sidecar is not even read.
    const sidecarText = await readFile(sidecarPath, 'utf8');
    await writeFile(sidecarPath, sidecarText.replace('"schema": 1', '"schema": 9'));
    await utimes(sidecarPath, then, then);
    expect(await store().lookup(input)).toMatchObject({ status: 'hit', entry: { key } });
    // Once its mtime moves on, the same file is read and found invalid.
    await utimes(sidecarPath, then, new Date(then.getTime() + 1000));
    expect(await store().lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('not a valid headerforge sidecar'),
    });
  });

  it('with a warm index, verifies an image again once it changed', async () => {
    const warm = () => openWarmIndex(join(dir, 'derived'));
    const store = (index = warm()) => openImageStore(join(dir, 'cache'), { warmIndex: index });
    const entry = await store().persist(input, image, meta);
    const first = warm();
    expect((await store(first).lookup(input)).status).toBe('hit');
    await first.save();
    // Different bytes of the same size, written later (a new mtime).
    const tampered = Buffer.from(png);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 0xff, tampered.length - 5);
    await writeFile(entry.file, tampered);
    const later = new Date(Date.now() + 2000);
    await utimes(entry.file, later, later);
    expect(await store().lookup(input)).toMatchObject({
      status: 'corrupt',
      reason: expect.stringContaining('does not match the hash'),
    });
  });

  it('cleans temp files left by a dead writer before writing to a shard', async () => {
    const store = openImageStore(join(dir, 'cache'));
    const shard = join(dir, 'cache', key.slice(0, 2));
    await mkdir(shard, { recursive: true });
    const orphan = join(shard, `.${key}.png.tmp-999999-deadbeef`);
    await writeFile(orphan, 'half an image');
    await store.persist(input, image, meta);
    expect((await readdir(shard)).sort()).toEqual([`${key}.json`, `${key}.png`]);
  });
});

describe('the entries of a store (for doctor, prune, push and pull)', () => {
  const other: GenerationKeyInput = { ...input, prompt: 'A harbour at dawn' };
  const otherKey = generationKey(other);

  it('lists nothing, and says so, when the folder does not exist yet', async () => {
    expect(await openImageStore(join(dir, 'none')).list()).toEqual({
      exists: false,
      entries: [],
      problems: [],
    });
  });

  it('lists each entry once with its files and size, sidecar first, and orphans without one', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(input, image, meta);
    const orphan = await store.persist(other, image, meta);
    await rm(join(dir, 'cache', otherKey.slice(0, 2), `${otherKey}.json`));
    await writeFile(join(dir, 'cache', 'zz'), 'not a shard name: ignored');
    const { exists, entries, problems } = await store.list();
    expect(exists).toBe(true);
    expect(problems).toEqual([]);
    const byKey = new Map(entries.map((entry) => [entry.key, entry]));
    const whole = byKey.get(key);
    expect(whole?.files).toEqual([
      join(dir, 'cache', key.slice(0, 2), `${key}.json`),
      join(dir, 'cache', key.slice(0, 2), `${key}.png`),
    ]);
    const sidecarBytes = (await stat(whole?.files[0] as string)).size;
    expect(whole?.bytes).toBe(sidecarBytes + png.length);
    expect(byKey.get(otherKey)).toMatchObject({ files: [orphan.file], bytes: png.length });
    expect(byKey.get(otherKey)?.sidecarFile).toBeUndefined();
  });

  it('reports a shard that is not a folder, and reads sidecars through their schema', async () => {
    const store = openImageStore(join(dir, 'cache'), { root: dir });
    await store.persist(input, image, meta);
    await writeFile(join(dir, 'cache', 'ab'), 'a file where a shard should be');
    const { entries, problems } = await store.list();
    expect(problems).toEqual([`${join('cache', 'ab')} is not a folder`]);
    const [entry] = entries;
    expect(await store.readSidecar(entry as (typeof entries)[number])).toMatchObject({
      sidecar: { key, prompt: input.prompt },
    });
    const path = join(dir, 'cache', key.slice(0, 2), `${key}.json`);
    await writeFile(path, JSON.stringify({ prompt: 'only a prompt' }));
    expect(await store.readSidecar(entry as (typeof entries)[number])).toEqual({
      problem: `${join('cache', key.slice(0, 2), `${key}.json`)} is not a valid headerforge sidecar`,
    });
  });

  it('checks an entry as a lookup would, and catches one filed under another key’s shard', async () => {
    const store = openImageStore(join(dir, 'cache'), { root: dir, readOnly: true });
    const writer = openImageStore(join(dir, 'cache'));
    await writer.persist(input, image, meta);
    const [good] = (await store.list()).entries;
    expect(await store.check(good as NonNullable<typeof good>)).toBeUndefined();
    const wrongShard = join(dir, 'cache', key.slice(0, 2) === '00' ? '01' : '00');
    await mkdir(wrongShard);
    await rename(
      join(dir, 'cache', key.slice(0, 2), `${key}.json`),
      join(wrongShard, `${key}.json`),
    );
    const misfiled = (await store.list()).entries.find((entry) => entry.sidecarFile);
    expect(await store.check(misfiled as NonNullable<typeof misfiled>)).toContain(
      'is in the wrong folder for its key',
    );
  });

  it('removes an entry, and its shard once empty', async () => {
    const store = openImageStore(join(dir, 'cache'));
    await store.persist(input, image, meta);
    const [entry] = (await store.list()).entries;
    await store.remove(entry as NonNullable<typeof entry>);
    expect(await readdir(join(dir, 'cache'))).not.toContain(key.slice(0, 2));
    expect(await store.lookup(input)).toEqual({ status: 'miss' });
  });
});
