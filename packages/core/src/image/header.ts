import { imageSize } from 'image-size';
import { type ImageMediaType, sniffImageType } from './media-types.js';

/** What an image's first bytes say it is: its type and pixel size. */
export interface ImageHeader {
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

/** The types `image-size` names each of ours by (an AVIF sequence reads as a HEIF). */
const HEADER_TYPES: Record<ImageMediaType, readonly string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg'],
  'image/webp': ['webp'],
  'image/gif': ['gif'],
  'image/avif': ['avif', 'heif'],
};

/**
 * An image's type (from its magic bytes) and its pixel size (from its header), read in a
 * few microseconds without decoding a pixel or calling sharp. Undefined when the bytes are
 * not one of our image types or their header cannot be read. Sizes as sharp reports them:
 * before any EXIF rotation.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const mediaType = sniffImageType(bytes);
  if (!mediaType) return undefined;
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    return undefined;
  }
  if (!HEADER_TYPES[mediaType].includes(size.type ?? '') || !size.width || !size.height)
    return undefined;
  return { mediaType, width: size.width, height: size.height };
}
