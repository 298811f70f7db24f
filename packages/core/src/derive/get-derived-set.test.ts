import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharpCalls } from '../testing/sharp-calls.test-support.js';
import { getDerivedSet } from './get-derived-set.js';
import { derivativeKey } from './key.js';
import type { DeriveSpec } from './spec.js';
import { readDerivedSet } from './store.js';

// Every sharp() call in this file's module graph is counted, the derivation's included:
// the warm path must add none.
vi.mock('sharp', async (original) =>
  (await import('../testing/sharp-calls.test-support.js')).countedSharpModule(await original()),
);

const spec: DeriveSpec = {
  aspectRatio: '16:9',
  focus: 'attention',
  widths: [640, 960],
  formats: ['webp', 'jpeg'],
  og: true,
};

let original: Buffer;
let originalSha256: string;
let cacheDir: string;

beforeAll(async () => {
  original = await sharp({
    create: { width: 1344, height: 768, channels: 3, background: '#3366cc' },
  })
    .png()
    .toBuffer();
  originalSha256 = createHash('sha256').update(original).digest('hex');
});
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'hf-derived-'));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** Runs `work` and returns how many times it called sharp. */
async function sharpCallsDuring<T>(work: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = sharpCalls.count;
  const result = await work();
  return { result, calls: sharpCalls.count - before };
}

const get = () => getDerivedSet({ original, originalSha256, spec, cacheDir });

async function shardEntries(key: string): Promise<string[]> {
  return readdir(join(cacheDir, key.slice(0, 2)));
}

describe('getDerivedSet', () => {
  it('derives once, then serves the same set without calling sharp', async () => {
    const cold = await sharpCallsDuring(get);
    expect(cold.calls).toBeGreaterThan(0);
    const key = derivativeKey(originalSha256, spec);
    expect(cold.result.key).toBe(key);
    expect(dirname(cold.result.master.file)).toBe(join(cacheDir, key.slice(0, 2), key));
    expect(cold.result.variants.map((v) => `${v.format}@${v.width}x${v.height}`)).toEqual([
      'jpeg@640x360',
      'jpeg@960x540',
      'webp@640x360',
      'webp@960x540',
    ]);
    expect(cold.result.og).toMatchObject({ width: 1200, height: 630 });

    const warm = await sharpCallsDuring(get);
    expect(warm.calls).toBe(0);
    expect(warm.result).toEqual(cold.result);
    const read = await sharpCallsDuring(() => readDerivedSet(cacheDir, key));
    expect(read.calls).toBe(0);
    expect(read.result).toEqual(cold.result);
    expect(await shardEntries(key)).toEqual([key]);
  });

  it('derives again into a new key when the spec changes, leaving the old set alone', async () => {
    const first = await get();
    const other = await getDerivedSet({
      original,
      originalSha256,
      spec: { ...spec, widths: [320] },
      cacheDir,
    });
    expect(other.key).not.toBe(first.key);
    expect(other.variants.map((v) => v.width)).toEqual([320, 320]);
    expect(await readDerivedSet(cacheDir, first.key)).toEqual(first);
  });

  it.each<[string, (set: Awaited<ReturnType<typeof get>>) => Promise<void>]>([
    [
      'a corrupt manifest',
      (set) => writeFile(join(dirname(set.master.file), 'manifest.json'), '{"truncated'),
    ],
    ['a missing file', (set) => rm(set.variants[0]?.file ?? '')],
    [
      'a truncated file',
      async (set) => writeFile(set.master.file, (await readFile(set.master.file)).subarray(0, 100)),
    ],
  ])('re-derives after %s', async (_label, damage) => {
    const first = await get();
    await damage(first);
    const again = await sharpCallsDuring(get);
    expect(again.calls).toBeGreaterThan(0);
    expect(again.result).toEqual(first);
    expect(await readDerivedSet(cacheDir, first.key)).toEqual(first);
    const meta = await sharp(again.result.master.file).metadata();
    expect([meta.width, meta.height]).toEqual([1344, 756]);
    expect(await shardEntries(first.key)).toEqual([first.key]);
  });

  it('gives two concurrent calls for the same key one consistent set', async () => {
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toEqual(b);
    expect(await readDerivedSet(cacheDir, a.key)).toEqual(a);
    // The loser's temp dir is gone: only the published set remains.
    expect(await shardEntries(a.key)).toEqual([a.key]);
    for (const file of [a.master, ...a.variants, a.og]) {
      const meta = await sharp(file?.file).metadata();
      expect([meta.width, meta.height]).toEqual([file?.width, file?.height]);
    }
  });

  it('fails with image_processing on an unusable original and leaves no files behind', async () => {
    const bogus = new TextEncoder().encode('definitely not a PNG');
    await expect(
      getDerivedSet({ original: bogus, originalSha256: 'f'.repeat(64), spec, cacheDir }),
    ).rejects.toMatchObject({ name: 'HeaderforgeError', code: 'image_processing' });
    const key = derivativeKey('f'.repeat(64), spec);
    expect(await shardEntries(key)).toEqual([]);
  });
});
