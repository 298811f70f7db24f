import { type ImageMediaType, sniffImageType } from './media-types.js';

// sharp (its native binding and libvips, ~30 ms) is loaded by the first call, not with this
// module: the cache's warm lookups import this file and never call it.

export interface VerifiedImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

/**
 * Checks that bytes really are the image they claim to be and reads their pixel size,
 * without decoding pixels (a "decompression bomb" only costs a header read here).
 * Resolves with the problem, in words, when they are not.
 */
export async function inspectImage(
  bytes: Uint8Array,
  declaredType: string | undefined,
  maxPixels: number,
): Promise<VerifiedImage | { problem: string }> {
  const actual = sniffImageType(bytes);
  if (!actual) {
    return {
      problem: `the image bytes are not PNG, JPEG, WebP, GIF or AVIF (${bytes.length} bytes)`,
    };
  }
  const declared = declaredType ? normaliseType(declaredType) : undefined;
  if (declared && declared !== actual) {
    return { problem: `the image is declared as ${declared} but its bytes are ${actual}` };
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await (await loadSharp())(bytes, { limitInputPixels: false }).metadata());
  } catch (cause) {
    return { problem: `the ${actual} image cannot be read: ${(cause as Error).message}` };
  }
  if (!width || !height) return { problem: `the ${actual} image has no pixel size` };
  if (width * height > maxPixels) {
    return {
      problem: `the image declares ${width}×${height} pixels, more than the limit of ${maxPixels}`,
    };
  }
  return { bytes, mediaType: actual, width, height };
}

/** The pixel size an image's header declares; empty when it cannot be read. */
export async function readImageSize(
  bytes: Uint8Array,
): Promise<{ width?: number | undefined; height?: number | undefined }> {
  const sharp = await loadSharp();
  return sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => ({}));
}

/**
 * Decodes every pixel of an image, or rejects with the decoder's error: a header that reads
 * says nothing of the data behind it. Scaled to at most 256 a side as it decodes (a JPEG
 * shrinks in its decoder, still reading all of its data), so what is kept is small whatever
 * the image's size. `maxPixels` refuses a larger image before decoding it; `strict` fails on
 * the decoder's warnings too (bytes headerforge wrote itself), not only on its errors (a
 * person's file, where a warning such as a known-bad colour profile is common and harmless).
 */
export async function decodePixels(
  bytes: Uint8Array,
  options: { maxPixels?: number; strict?: boolean } = {},
): Promise<void> {
  const sharp = await loadSharp();
  await sharp(bytes, {
    limitInputPixels: options.maxPixels ?? false,
    failOn: options.strict ? 'warning' : 'error',
  })
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer();
}

/**
 * sharp, loaded on first use: the cache store imports this module, and a dev server that
 * only looks headers up starts without loading sharp's native library.
 */
async function loadSharp() {
  return (await import('sharp')).default;
}

function normaliseType(type: string): string {
  return type === 'image/jpg' ? 'image/jpeg' : type;
}
