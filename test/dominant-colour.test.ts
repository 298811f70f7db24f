import { dominantOf } from '@headerforge/core/internal';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PHOTO_KINDS, photoLikePng } from '../bench/photo-like.mjs';

/** What sharp's own `stats()` says of the same pixels. */
async function sharpDominant(data: Uint8Array, width: number, height: number, channels: 3 | 4) {
  const { dominant } = await sharp(data, { raw: { width, height, channels } }).stats();
  return [dominant.r, dominant.g, dominant.b];
}

describe('dominantOf', () => {
  it("gives sharp's stats().dominant for photo-like pictures, noise and flat colour", async () => {
    const images: Array<{ data: Uint8Array; width: number; height: number }> = [];
    // Photo-like (see bench/photo-like.mjs): texture, gradients and detail, as a master has.
    for (const [i, kind] of PHOTO_KINDS.entries()) {
      const { data, info } = await sharp(await photoLikePng(kind, 40 + i, 256, 144))
        .raw()
        .toBuffer({ resolveWithObject: true });
      images.push({ data, width: info.width, height: info.height });
    }
    const noise = await sharp({
      create: {
        width: 200,
        height: 120,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .raw()
      .toBuffer();
    images.push({ data: noise, width: 200, height: 120 });
    images.push({ data: new Uint8Array(64 * 36 * 3).fill(200), width: 64, height: 36 });
    for (const { data, width, height } of images)
      expect(dominantOf(data, 3)).toEqual(await sharpDominant(data, width, height, 3));
  });

  it('breaks a tie as libvips scans (green bins, then red, then blue), and skips alpha', async () => {
    // Four pixels, each alone in its bin: every bin ties at one.
    const ties = [
      [255, 0, 0, 0, 255, 0, 0, 0, 255, 17, 17, 17],
      [0, 0, 255, 255, 0, 0, 40, 40, 40, 0, 255, 0],
      [0, 200, 0, 200, 0, 0, 0, 0, 200, 99, 99, 99],
    ];
    for (const pixels of ties) {
      const data = Uint8Array.from(pixels);
      expect(dominantOf(data, 3)).toEqual(await sharpDominant(data, 4, 1, 3));
    }
    // The same colours with an alpha channel: it does not count.
    const rgba = Uint8Array.from([255, 0, 0, 10, 0, 255, 0, 255, 0, 255, 0, 0, 9, 9, 9, 255]);
    expect(dominantOf(rgba, 4)).toEqual(await sharpDominant(rgba, 4, 1, 4));
    expect(dominantOf(rgba, 4)).toEqual([8, 248, 8]);
  });
});
