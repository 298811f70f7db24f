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
  it("gives sharp's stats().dominant for the photo-like pictures and a flat colour", async () => {
    const images: Array<{ data: Uint8Array; width: number; height: number }> = [];
    // Photo-like (see bench/photo-like.mjs): texture, gradients and detail, as a master has.
    for (const [i, kind] of PHOTO_KINDS.entries()) {
      const { data, info } = await sharp(await photoLikePng(kind, 40 + i, 256, 144))
        .raw()
        .toBuffer({ resolveWithObject: true });
      images.push({ data, width: info.width, height: info.height });
    }
    images.push({ data: new Uint8Array(64 * 36 * 3).fill(200), width: 64, height: 36 });
    for (const { data, width, height } of images)
      expect(dominantOf(data, 3)).toEqual(await sharpDominant(data, width, height, 3));
  });

  it('is the centre of the fullest bin; on a tie the first in green, red, blue order; alpha ignored', () => {
    // Three pixels in the bin of (200, 40, 90), two in another: the first bin wins.
    const clear = Uint8Array.from([
      ...[200, 40, 90],
      ...[205, 44, 95],
      ...[207, 47, 80],
      ...[10, 250, 10],
      ...[12, 251, 11],
    ]);
    expect(dominantOf(clear, 3)).toEqual([200, 40, 88]);
    // One pixel in each of four bins: green's lowest bin first, then red's, then blue's.
    const tie = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 17, 17, 17]);
    expect(dominantOf(tie, 3)).toEqual([8, 8, 248]);
    expect(dominantOf(Uint8Array.from([0, 200, 0, 200, 0, 0, 0, 0, 200, 99, 99, 99]), 3)).toEqual([
      8, 8, 200,
    ]);
    // An alpha channel does not count: the same colours as RGBA.
    const rgba = Uint8Array.from([255, 0, 0, 10, 0, 255, 0, 255, 0, 255, 0, 0, 9, 9, 9, 255]);
    expect(dominantOf(rgba, 4)).toEqual([8, 248, 8]);
  });
});
