import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Focus } from '../image/focus.js';
import { ratioValue } from '../image/ratios.js';
import { cropMaster, exactCropSize } from './crop.js';
import { decodeOriginal } from './sharp-input.js';

const RED = '#ff2000';
const GREY = '#808080';

/** A grey image with a red band along one edge. */
async function banded(
  width: number,
  height: number,
  edge: 'top' | 'bottom' | 'left',
  thickness = 8,
): Promise<Buffer> {
  const horizontal = edge !== 'left';
  const band = await sharp({
    create: {
      width: horizontal ? width : thickness,
      height: horizontal ? thickness : height,
      channels: 3,
      background: RED,
    },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: GREY } })
    .composite([{ input: band, left: 0, top: edge === 'bottom' ? height - thickness : 0 }])
    .removeAlpha()
    .png()
    .toBuffer();
}

async function pixel(file: string, left: number, top: number): Promise<number[]> {
  const data = await sharp(file).extract({ left, top, width: 1, height: 1 }).raw().toBuffer();
  return [...data];
}

const isRed = (rgb: number[]) => rgb[0] === 0xff && rgb[1] === 0x20 && rgb[2] === 0;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function master(png: Buffer, focus: Focus, ratio = ratioValue('16:9')) {
  const dir = await mkdtemp(join(tmpdir(), 'hf-crop-'));
  dirs.push(dir);
  const { file } = await cropMaster(await decodeOriginal(png), ratio, focus, dir);
  const meta = await sharp(file.file).metadata();
  expect([meta.width, meta.height, meta.format]).toEqual([file.width, file.height, 'png']);
  return file;
}

describe('exactCropSize', () => {
  it.each([
    // [original, ratio, expected]: 1K/2K/4K model sizes and the ratios they only approximate.
    [1344, 768, '16:9', 1344, 756],
    [2688, 1536, '16:9', 2688, 1512],
    [5376, 3072, '16:9', 5376, 3024],
    [2000, 768, '16:9', 1365, 768],
    [1184, 864, '4:3', 1152, 864],
    [768, 1344, '9:16', 756, 1344],
    [1536, 672, '21:9', 1536, 658],
    [1024, 1024, '1:1', 1024, 1024],
    [3072, 384, '8:1', 3072, 384],
  ] as const)('%i×%i at %s → %i×%i', (width, height, ratio, w, h) => {
    expect(exactCropSize(width, height, ratioValue(ratio))).toEqual({ width: w, height: h });
  });

  it('keeps one side whole, never exceeds the original, and gets the ratio as close as integers allow', () => {
    for (const ratio of ['16:9', '21:9', '4:5', '1:8', '3:2'] as const) {
      const r = ratioValue(ratio);
      for (const [width, height] of [
        [1001, 999],
        [1537, 673],
        [97, 1403],
        [5000, 2],
        [1, 1],
      ] as const) {
        const size = exactCropSize(width, height, r);
        expect(size.width === width || size.height === height).toBe(true);
        expect(size.width).toBeLessThanOrEqual(width);
        expect(size.height).toBeLessThanOrEqual(height);
        expect(Math.min(size.width, size.height)).toBeGreaterThanOrEqual(1);
        // No neighbouring integer on the cut side would be closer to the ratio.
        const error = Math.abs(size.width / size.height - r);
        if (size.width === width && size.height < height) {
          expect(error).toBeLessThanOrEqual(Math.abs(width / (size.height + 1) - r));
          if (size.height > 1)
            expect(error).toBeLessThanOrEqual(Math.abs(width / (size.height - 1) - r));
        }
      }
    }
  });
});

describe('cropMaster', () => {
  it('cuts 1344×768 to exactly 1344×756 without resampling', async () => {
    const file = await master(await banded(1344, 768, 'top'), 'top');
    expect([file.width, file.height]).toEqual([1344, 756]);
    expect(file.bytes).toBeGreaterThan(0);
  });

  it('keeps a band at the top with focus "top" and cuts it with "bottom"', async () => {
    const png = await banded(1344, 768, 'top');
    expect(isRed(await pixel((await master(png, 'top')).file, 600, 0))).toBe(true);
    const bottom = (await master(png, 'bottom')).file;
    expect(isRed(await pixel(bottom, 600, 0))).toBe(false);
    expect(await pixel(bottom, 600, 0)).toEqual([0x80, 0x80, 0x80]);
  });

  it('keeps a band at the bottom with "bottom" and cuts it with "top"', async () => {
    const png = await banded(1344, 768, 'bottom');
    expect(isRed(await pixel((await master(png, 'bottom')).file, 600, 755))).toBe(true);
    expect(isRed(await pixel((await master(png, 'top')).file, 600, 755))).toBe(false);
  });

  it('cuts the sides of a too-wide image by focus: "left" keeps a left band, "right" cuts it', async () => {
    const png = await banded(2000, 768, 'left', 40);
    const left = await master(png, 'left');
    expect([left.width, left.height]).toEqual([1365, 768]);
    expect(isRed(await pixel(left.file, 0, 300))).toBe(true);
    expect(isRed(await pixel((await master(png, 'right')).file, 0, 300))).toBe(false);
    expect(isRed(await pixel((await master(png, 'top left')).file, 0, 300))).toBe(true);
  });

  it('"attention" follows the salient band wherever it is', async () => {
    const atTop = await master(await banded(1344, 768, 'top'), 'attention');
    expect(isRed(await pixel(atTop.file, 600, 0))).toBe(true);
    const atBottom = await master(await banded(1344, 768, 'bottom'), 'attention');
    expect([atBottom.width, atBottom.height]).toEqual([1344, 756]);
    expect(isRed(await pixel(atBottom.file, 600, 755))).toBe(true);
  });
});
