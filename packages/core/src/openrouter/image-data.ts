import { HeaderforgeError } from '../errors/headerforge-error.js';
import { inspectImage, type VerifiedImage } from '../image/inspect.js';

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
  return {
    declaredType: (head[1] ?? '').toLowerCase(),
    bytes: decodeBase64(url.slice(head[0].length), 'the image data URL'),
  };
}

/** Bare base64 (the Image API's `b64_json`), checked as strictly as a data URL's payload. */
export function decodeBase64(text: string, what = 'the image'): Uint8Array {
  const payload = text.replace(/[\r\n]/g, '');
  if (payload.length === 0) throw badImage(`${what} is empty`);
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) {
    throw badImage(`${what} is not valid base64`);
  }
  return new Uint8Array(Buffer.from(payload, 'base64'));
}

/**
 * Checks that bytes really are the image they claim to be (see `inspectImage`). A refusal
 * carries the bytes: past this point they were paid for, and whoever caches keeps them.
 */
export async function verifyImage(
  bytes: Uint8Array,
  declaredType: string | undefined,
  maxPixels: number,
): Promise<VerifiedImage> {
  const inspected = await inspectImage(bytes, declaredType, maxPixels);
  if ('problem' in inspected) throw badImage(inspected.problem, bytes);
  return inspected;
}

function badImage(detail: string, rejectedImage?: Uint8Array): HeaderforgeError {
  return new HeaderforgeError('bad_response', `OpenRouter returned an unusable image: ${detail}`, {
    hint: 'This is usually a provider glitch; build again. If it persists, try another model.',
    ...(rejectedImage ? { rejectedImage } : {}),
  });
}
