import type { Sharp } from 'sharp';
import type { ImageMediaType } from './media-types.js';

/** One way to store a received PNG compactly. */
export interface CompactEncoding {
  mediaType: ImageMediaType;
  encode: (image: Sharp) => Sharp;
  /**
   * What one encode weighs in the pipeline's pixel budget, per pixel of the image: a
   * derivation weighs 1. libaom's AVIF encoder at 4:4:4 peaks at about 30 bytes per pixel
   * (~490 MB for a 4K image), libwebp's at about 12 (measured with sharp 0.35.5).
   */
  weight: number;
}

/**
 * How a received PNG of up to about 2K (4.2 megapixels) is stored, chosen by
 * `bench/compact.mjs` on photo-like 1344×768 images (see bench/README.md, "Compact
 * originals"): under 400 KB with SSIM ≥ 0.98 on each, with margin on both (≤ 237 KB, SSIM ≥ 0.988).
 * libaom's effort 0 made files as small as effort 4 (within 6%, same SSIM) in a twentieth of
 * the time (about 0.1 s against 3 s per 1K image): encoding sits on the path of every new image.
 * The same input bytes give the same output bytes with the same sharp (libvips) version.
 */
export const COMPACT_ENCODING: CompactEncoding = {
  mediaType: 'image/avif',
  encode: (image) => image.avif({ quality: 90, effort: 0, chromaSubsampling: '4:4:4' }),
  weight: 2.5,
};

/**
 * Above 4.2 megapixels (a 4K image is 16.5), AVIF's encoder alone would take a process past
 * 512 MB: WebP q95 (SSIM ≥ 0.98 on the same pictures, under half of AVIF's memory) is used
 * there, by `headerforge compact` only (see BUILD_COMPACT_MAX_PIXELS).
 */
export const LARGE_COMPACT_ENCODING: CompactEncoding = {
  mediaType: 'image/webp',
  encode: (image) => image.webp({ quality: 95, smartSubsample: true, effort: 4 }),
  weight: 1,
};

const LARGE_PIXELS = 4_200_000;
/** Encodes heavier than this (in pixel-equivalents) wait for the pipeline's pixel budget. */
const LIMITED_WEIGHT = 4_000_000;

/**
 * The largest image a build stores compactly as it arrives. Even WebP's encoder adds ~300 MB
 * at 4K beside a build's response bodies and derivations (bench/, "memory"): larger images
 * are kept as received, and `headerforge compact`, run on its own, converts them.
 */
export const BUILD_COMPACT_MAX_PIXELS = LARGE_PIXELS;

/** The encoding for an image of `pixels` pixels. */
export function compactEncodingFor(pixels: number): CompactEncoding {
  return pixels > LARGE_PIXELS ? LARGE_COMPACT_ENCODING : COMPACT_ENCODING;
}

/** The bytes as they will be stored, when they are not the bytes as received. */
export interface CompactImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
}

/** Runs an encode of `weight` pixel-equivalents when memory allows (the pipeline's budget). */
export type EncodeLimit = <T>(weight: number, task: () => Promise<T>) => Promise<T>;

/**
 * A received image re-encoded for storage, or undefined when it is kept as received: only a
 * PNG (lossless, and what models send) is re-encoded. A JPEG, WebP or AVIF is already
 * compact, and encoding it again would lose quality twice; and an encoding that comes out
 * no smaller than the PNG is not worth its loss.
 */
export async function compactImage(
  bytes: Uint8Array,
  mediaType: ImageMediaType,
  options: {
    /** The image's size, when known (else read from its header). */
    size?: { width: number; height: number };
    /** Where a heavy encode waits for memory (the pipeline's pixel budget). */
    limit?: EncodeLimit;
    /** Larger images are kept as received. */
    maxPixels?: number;
  } = {},
): Promise<CompactImage | undefined> {
  const { size, limit, maxPixels = Number.POSITIVE_INFINITY } = options;
  if (mediaType !== 'image/png') return undefined;
  const pixels = size ? size.width * size.height : await readPixels(bytes);
  if (pixels > maxPixels) return undefined;
  const encoding = compactEncodingFor(pixels);
  // sharp loads with the first encode: a warm build, which stores nothing, never loads it.
  const { default: sharp } = await import('sharp');
  const encode = () => encoding.encode(sharp(bytes)).toBuffer();
  const weight = pixels * encoding.weight;
  // A 1K encode (~30 MB, ~30 ms) goes at once: queued behind derivations, it would only
  // delay the image's own derivation.
  const encoded = await (limit && weight > LIMITED_WEIGHT ? limit(weight, encode) : encode());
  if (encoded.byteLength >= bytes.byteLength) return undefined;
  return { bytes: new Uint8Array(encoded), mediaType: encoding.mediaType };
}

async function readPixels(bytes: Uint8Array): Promise<number> {
  const { default: sharp } = await import('sharp');
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  return width * height;
}
