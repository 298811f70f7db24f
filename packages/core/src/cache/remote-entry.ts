import { readImageHeader } from '../image/header.js';
import { decodePixels } from '../image/inspect.js';
import { rememberSha256 } from './checked-hash.js';
import { generationKey, sha256Hex } from './keys.js';
import { type Sidecar, sidecarInput, sidecarSchema } from './sidecar.js';

/**
 * Parses a remote sidecar and checks that it describes `key`: the key it names, and the
 * key its own prompt, model and settings hash to. A store anyone can write to must not be
 * able to hand a post someone else's image.
 */
export function checkRemoteSidecar(
  key: string,
  raw: Uint8Array,
): { sidecar: Sidecar } | { reason: string } {
  let sidecar: Sidecar;
  try {
    sidecar = sidecarSchema.parse(JSON.parse(new TextDecoder().decode(raw)));
  } catch {
    return { reason: 'its sidecar is not a valid headerforge sidecar' };
  }
  if (sidecar.key !== key || generationKey(sidecarInput(sidecar)) !== key) {
    return { reason: 'its sidecar describes a different prompt, model or key' };
  }
  if (sidecar.placeholder) return { reason: 'it is placeholder art, not a paid image' };
  return { sidecar };
}

/**
 * Checks remote image bytes against their sidecar without decoding them: their size and
 * sha256 (a truncated, torn or swapped object fails here), the type their magic bytes say,
 * and the pixel size their header declares. Returns the reason for a rejection, or
 * undefined. Cheap enough for every image a build reads through.
 */
export function checkRemoteImage(sidecar: Sidecar, bytes: Uint8Array): string | undefined {
  if (bytes.byteLength !== sidecar.bytes)
    return `the image has ${bytes.byteLength} bytes, its sidecar says ${sidecar.bytes}`;
  const sha256 = sha256Hex(bytes);
  if (sha256 !== sidecar.sha256) return 'the image does not match its sidecar’s hash';
  rememberSha256(bytes, sha256);
  const header = readImageHeader(bytes);
  if (header?.mediaType !== sidecar.mediaType)
    return `the image is not the ${sidecar.mediaType} its sidecar says`;
  if (header.width !== sidecar.width || header.height !== sidecar.height)
    return `the image is ${header.width}×${header.height}, its sidecar says ${sidecar.width}×${sidecar.height}`;
  return undefined;
}

/**
 * Decodes bytes that passed `checkRemoteImage`, within the pixels their sidecar records (a
 * header that claims more was refused there, so a decompression bomb is never decoded).
 * Only worth its cost when the pixels are about to be needed: bytes whose derived files are
 * kept were decoded when those were made, and derived files are found by these bytes' hash.
 */
export async function checkRemotePixels(
  sidecar: Sidecar,
  bytes: Uint8Array,
): Promise<string | undefined> {
  try {
    await decodePixels(bytes, { maxPixels: sidecar.width * sidecar.height, strict: true });
  } catch {
    return 'the image does not decode';
  }
  return undefined;
}
