// The `compact` figure of `npm run bench`: what the committed cache holds per header with the
// default `original: 'compact'`, measured through the code the store runs (`compactImage`), on
// the photo-like pictures of `bench/photo-like.mjs` at 1K (the size goals are for) and at 4K
// (the encode time and memory a 4K model costs). `bench/compact.mjs` compares the candidate
// encodings that led to the default; this figure checks the default itself.
import sharp from 'sharp';
// Repository-only internals (not exported by the package) are imported by their built path.
import { compactImage } from '../packages/core/dist/internal/index.js';
import { median } from './median.mjs';
import { PHOTO_HEIGHT, PHOTO_KINDS, PHOTO_WIDTH, photoLikePng } from './photo-like.mjs';
import { luma, ssim } from './ssim.mjs';

const SEED = 16;
export const COMPACT_GOAL = { maxBytes: 400 * 1024, minSsim: 0.98 };

async function lumaOf(bytes) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { luma: luma(data, info.channels), width: info.width, height: info.height };
}

async function encodeTimed(png) {
  const began = performance.now();
  const stored = await compactImage(png, 'image/png');
  return { stored, ms: performance.now() - began };
}

export async function compactFigure() {
  const images = [];
  for (const kind of PHOTO_KINDS) {
    const png = await photoLikePng(kind, SEED);
    const reference = await lumaOf(png);
    await encodeTimed(png); // the first encode loads the codec
    const { stored, ms } = await encodeTimed(png);
    if (!stored) throw new Error(`compactImage kept the ${kind} PNG as received`);
    const decoded = await lumaOf(stored.bytes);
    images.push({
      kind,
      receivedBytes: png.length,
      storedBytes: stored.bytes.length,
      mediaType: stored.mediaType,
      ssim: Number(
        ssim(reference.luma, decoded.luma, reference.width, reference.height).toFixed(5),
      ),
      encodeMs: Math.round(ms),
    });
  }
  // 4K: the encode time of the largest images models send (one picture, pixels only).
  const png4K = await photoLikePng('terrain', SEED, PHOTO_WIDTH * 4, PHOTO_HEIGHT * 4);
  const fourK = await encodeTimed(png4K);
  return {
    size: `${PHOTO_WIDTH}x${PHOTO_HEIGHT}`,
    mediaType: images[0].mediaType,
    maxStoredBytes: Math.max(...images.map((i) => i.storedBytes)),
    minSsim: Math.min(...images.map((i) => i.ssim)),
    medianReceivedBytes: median(images.map((i) => i.receivedBytes)),
    medianEncodeMs: median(images.map((i) => i.encodeMs)),
    fourK: {
      size: `${PHOTO_WIDTH * 4}x${PHOTO_HEIGHT * 4}`,
      receivedBytes: png4K.length,
      storedBytes: fourK.stored?.bytes.length ?? png4K.length,
      mediaType: fourK.stored?.mediaType ?? 'image/png',
      encodeMs: Math.round(fourK.ms),
    },
    images,
  };
}

export function compactRows(c) {
  const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;
  const met = c.maxStoredBytes <= COMPACT_GOAL.maxBytes && c.minSsim >= COMPACT_GOAL.minSsim;
  return [
    `| committed original per 1K header (${c.size}, ${c.images.length} photo-like pictures), default \`original: 'compact'\` | largest ${kb(c.maxStoredBytes)} ${c.mediaType} (received PNGs: median ${kb(c.medianReceivedBytes)}); lowest luma SSIM ${c.minSsim.toFixed(4)}; encode ${c.medianEncodeMs} ms (median) | ≤ 400 KB, SSIM ≥ 0.98 | ${met ? 'met' : '**missed**'} |`,
    `| committed original per 4K header (${c.fourK.size}, photo-like), as \`headerforge compact\` stores it (a build keeps it as received) | ${kb(c.fourK.storedBytes)} ${c.fourK.mediaType} against ${kb(c.fourK.receivedBytes)} received; encode ${(c.fourK.encodeMs / 1000).toFixed(1)} s | | |`,
  ];
}
