import sharp, { type Sharp } from 'sharp';
import type { ImageMediaType } from './media-types.js';

/**
 * How a received PNG is stored compactly in the committed cache, chosen by
 * `bench/compact.mjs` on photo-like 1344×768 images (see bench/README.md, "Compact
 * originals"): under 400 KB with SSIM ≥ 0.98 on each, with margin on both (≤ 237 KB, SSIM ≥ 0.988).
 * libaom's effort 0 made files as small as effort 4 (within 6%, same SSIM) in a twentieth of
 * the time (about 0.1 s against 3 s per 1K image): encoding sits on the path of every new image.
 * The same input bytes give the same output bytes with the same sharp (libvips) version.
 */
export const COMPACT_ENCODING = {
  mediaType: 'image/avif',
  encode: (image: Sharp) => image.avif({ quality: 90, effort: 0, chromaSubsampling: '4:4:4' }),
} as const satisfies { mediaType: ImageMediaType; encode: (image: Sharp) => Sharp };

/** The bytes as they will be stored, when they are not the bytes as received. */
export interface CompactImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
}

/**
 * A received image re-encoded for storage, or undefined when it is kept as received: only a
 * PNG (lossless, and what models send) is re-encoded. A JPEG, WebP or AVIF is already
 * compact, and encoding it again would lose quality twice; and an encoding that comes out
 * no smaller than the PNG is not worth its loss.
 */
export async function compactImage(
  bytes: Uint8Array,
  mediaType: ImageMediaType,
): Promise<CompactImage | undefined> {
  if (mediaType !== 'image/png') return undefined;
  const encoded = await COMPACT_ENCODING.encode(sharp(bytes)).toBuffer();
  if (encoded.byteLength >= bytes.byteLength) return undefined;
  return { bytes: new Uint8Array(encoded), mediaType: COMPACT_ENCODING.mediaType };
}
