import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { HeaderforgeError } from '../errors/headerforge-error.js';

/**
 * The largest original we decode: 16384×16384 (≈268M pixels, sharp's own default). A 4K
 * header is 16.5M pixels, so this only stops decompression bombs: a few hundred bytes
 * of PNG that claim 60000×60000 would otherwise ask for 10 GB of memory.
 */
export const MAX_INPUT_PIXELS = 16384 * 16384;

/**
 * What image models return, and what the OpenRouter client accepts as a paid image
 * (PNG, JPEG, WebP, GIF, AVIF): refusing one of those here would strand an image the
 * user paid for. GIF and animated WebP contribute their first frame. Everything else
 * sharp could open is refused: SVG runs an XML parser and renders at a size of its own
 * choosing; TIFF, PDF, JPEG 2000, JPEG XL, HEIC and the rest are decoders no image model
 * needs, so they are attack surface only.
 */
const ALLOWED_INPUT_FORMATS = ['png', 'jpeg', 'webp', 'avif', 'gif'] as const;
export type InputFormat = (typeof ALLOWED_INPUT_FORMATS)[number];

/** Decoded 8-bit sRGB pixels, the one form every derivation step starts from. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

// `failOn: 'error'` rather than sharp's default 'warning': a paid image with a harmless
// decoder warning (extra bytes after the end marker, say) must still derive, while
// truncated or corrupt pixel data still fails.
const UNTRUSTED: SharpOptions = {
  limitInputPixels: MAX_INPUT_PIXELS,
  failOn: 'error',
  autoOrient: true,
};

/**
 * Checks the format and size from the header alone, then decodes once to sRGB pixels
 * (EXIF orientation applied, ICC profile converted, 16-bit reduced to 8). Any problem is
 * a `HeaderforgeError('image_processing')`, never a crash.
 */
export async function decodeOriginal(bytes: Uint8Array): Promise<RawImage> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, UNTRUSTED).metadata();
  } catch (cause) {
    throw unreadable(bytes, cause);
  }
  const format = inputFormat(metadata);
  if (!format) {
    const name =
      metadata.format === 'heif' ? `HEIF (${metadata.compression ?? '?'})` : metadata.format;
    throw new HeaderforgeError(
      'image_processing',
      `The original image is ${String(name).toUpperCase()}, which headerforge does not process (it accepts ${ALLOWED_INPUT_FORMATS.join(', ')}).`,
      { hint: 'Convert the image to PNG or JPEG, or regenerate it.' },
    );
  }
  try {
    const { data, info } = await sharp(bytes, UNTRUSTED)
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (cause) {
    throw unreadable(bytes, cause, format);
  }
}

/**
 * An original as a derivation is handed it: its bytes, or a function that reads its bytes or
 * hands the pixels another derivation of it already decoded (see `shared-decode.ts`).
 */
export type Original = Uint8Array | (() => Promise<Uint8Array | RawImage>);

/** The original's pixels: decoded here unless they come decoded. */
export async function pixelsOf(original: Original): Promise<RawImage> {
  const given = typeof original === 'function' ? await original() : original;
  return given instanceof Uint8Array ? decodeOriginal(given) : given;
}

/**
 * A sharp pipeline over already-decoded pixels. They are ours, not untrusted, but the
 * limit still applies so that no sharp call in this module runs without one.
 */
export function fromRaw(image: RawImage): Sharp {
  const { data, width, height, channels } = image;
  return sharp(data, { raw: { width, height, channels }, limitInputPixels: MAX_INPUT_PIXELS });
}

function inputFormat(metadata: Metadata): InputFormat | undefined {
  switch (metadata.format) {
    case 'png':
    case 'jpeg':
    case 'webp':
    case 'gif':
      return metadata.format;
    case 'heif':
      // AVIF is HEIF with AV1 inside; HEIC (HEVC) is not on the list.
      return metadata.compression === 'av1' ? 'avif' : undefined;
    default:
      return undefined;
  }
}

function unreadable(bytes: Uint8Array, cause: unknown, format?: InputFormat): HeaderforgeError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const what = `The original image (${format ? `${format.toUpperCase()}, ` : ''}${bytes.length} bytes)`;
  if (/pixel limit/i.test(reason)) {
    return new HeaderforgeError(
      'image_processing',
      `${what} declares more than ${MAX_INPUT_PIXELS} pixels (16384×16384), so it was not decoded: it is either corrupt or a decompression bomb.`,
      { hint: 'Regenerate the image; no header needs more than 16384×16384 pixels.', cause },
    );
  }
  return new HeaderforgeError('image_processing', `${what} cannot be decoded: ${reason}.`, {
    hint: 'The file is corrupt or not an image; delete it from the cache and regenerate it.',
    cause,
  });
}
