import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ratioValue } from '../image/ratios.js';
import { setFileNames } from './file-names.js';
import { variantSizes, writeVariants } from './variants.js';

const sixteenNine = ratioValue('16:9');

describe('variantSizes', () => {
  it('keeps the widths the master can fill, heights at the exact ratio', () => {
    expect(variantSizes(1344, sixteenNine, [640, 960, 1280, 1600])).toEqual([
      { width: 640, height: 360 },
      { width: 960, height: 540 },
      { width: 1280, height: 720 },
    ]);
  });

  it('includes a width equal to the master', () => {
    expect(variantSizes(1344, sixteenNine, [1344, 2000]).map((s) => s.width)).toEqual([1344]);
  });

  it('falls back to the master width when every width is larger (never upscales)', () => {
    expect(variantSizes(672, sixteenNine, [960, 1280])).toEqual([{ width: 672, height: 378 }]);
    expect(variantSizes(672, sixteenNine, [])).toEqual([{ width: 672, height: 378 }]);
  });

  it('sorts and dedupes, and rounds heights to the nearest pixel', () => {
    expect(variantSizes(1536, ratioValue('21:9'), [500, 300, 500])).toEqual([
      { width: 300, height: 129 },
      { width: 500, height: 214 },
    ]);
  });
});

describe('writeVariants', () => {
  it('fails only once every other file has stopped being written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-variants-'));
    try {
      const width = 1920;
      const height = 1080;
      const noise = Buffer.alloc(width * height * 3);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
      const master = { data: noise, width, height, channels: 3 as const };
      // The smallest WebP cannot be written (a folder is in its place): it fails at once,
      // while the larger encodes are still under way.
      const names = setFileNames();
      await mkdir(join(dir, names.variant(320, 'webp')));
      const widths = [320, 960, 1280, 1920];
      const made = writeVariants(master, 16 / 9, widths, ['avif', 'webp'], dir, names.variant);
      await expect(made).rejects.toThrow();
      const atEnd = (await readdir(dir)).sort();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await readdir(dir)).sort()).toEqual(atEnd);
      // And what it wrote is whole: each file sharp can read.
      for (const name of atEnd.filter((n) => n !== names.variant(320, 'webp')))
        await expect(sharp(join(dir, name)).metadata()).resolves.toBeTruthy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
