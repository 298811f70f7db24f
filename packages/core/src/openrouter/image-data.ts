import sharp from 'sharp';
import { HeaderforgeError } from '../errors.js';

export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif' | 'image/avif';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,/i;

/**
 * Decodes a `data:<type>;base64,…` URL. Node's decoder silently skips bad characters, so
 * the alphabet and padding are checked first: a corrupt payload must fail, not yield
 * a shorter, broken image.
 */
export function decodeDataUrl(url: string): { declaredType: string; bytes: Uint8Array } {
  const head = DATA_URL.exec(url.slice(0, 256));
  if (!head) {
    throw badImage(`the image is a data: URL without ";base64," (starts "${url.slice(0, 40)}")`);
  }
  const payload = url.slice(head[0].length).replace(/[\r\n]/g, '');
  if (payload.length === 0) throw badImage('the image data URL is empty');
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) {
    throw badImage('the image data URL is not valid base64');
  }
  return {
    declaredType: (head[1] ?? '').toLowerCase(),
    bytes: new Uint8Array(Buffer.from(payload, 'base64')),
  };
}

/** The real type of an image, from its first bytes. */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | undefined {
  const ascii = (from: number, to: number) =>
    Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (bytes.length >= 8 && ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'image/jpeg';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(0, 6))) return 'image/gif';
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp' && /^avi[fs]$/.test(ascii(8, 12)))
    return 'image/avif';
  return undefined;
}

function normaliseType(type: string): string {
  return type === 'image/jpg' ? 'image/jpeg' : type;
}

export interface VerifiedImage {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

/**
 * Checks that bytes really are the image they claim to be and reads their pixel size,
 * without decoding pixels (a "decompression bomb" only costs a header read here).
 */
export async function verifyImage(
  bytes: Uint8Array,
  declaredType: string | undefined,
  maxPixels: number,
): Promise<VerifiedImage> {
  // Past this point the bytes were paid for: every refusal hands them on to be kept.
  const refused = (detail: string) => badImage(detail, bytes);
  const actual = sniffImageType(bytes);
  if (!actual) {
    throw refused(`the image bytes are not PNG, JPEG, WebP, GIF or AVIF (${bytes.length} bytes)`);
  }
  const declared = declaredType ? normaliseType(declaredType) : undefined;
  if (declared && declared !== actual) {
    throw refused(`the image is declared as ${declared} but its bytes are ${actual}`);
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (cause) {
    throw refused(`the ${actual} image cannot be read: ${(cause as Error).message}`);
  }
  if (!width || !height) throw refused(`the ${actual} image has no pixel size`);
  if (width * height > maxPixels) {
    throw refused(
      `the image declares ${width}×${height} pixels, more than the limit of ${maxPixels}`,
    );
  }
  return { bytes, mediaType: actual, width, height };
}

function badImage(detail: string, rejectedImage?: Uint8Array): HeaderforgeError {
  return new HeaderforgeError('bad_response', `OpenRouter returned an unusable image: ${detail}`, {
    hint: 'This is usually a provider glitch; build again. If it persists, try another model.',
    ...(rejectedImage ? { rejectedImage } : {}),
  });
}
