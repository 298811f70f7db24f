import { sniffImageType } from '../image/media-types.js';
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
 * Checks remote image bytes against their sidecar: size, sha256, the type the bytes really
 * are, and that they decode to the recorded dimensions (a decompression bomb is refused from
 * its header, before decoding). Returns the reason for a rejection, or undefined.
 */
export async function checkRemoteImage(
  sidecar: Sidecar,
  bytes: Uint8Array,
): Promise<string | undefined> {
  if (bytes.byteLength !== sidecar.bytes)
    return `the image has ${bytes.byteLength} bytes, its sidecar says ${sidecar.bytes}`;
  if (sha256Hex(bytes) !== sidecar.sha256) return 'the image does not match its sidecar’s hash';
  if (sniffImageType(bytes) !== sidecar.mediaType)
    return `the image is not the ${sidecar.mediaType} its sidecar says`;
  const { default: sharp } = await import('sharp');
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (meta.width !== sidecar.width || meta.height !== sidecar.height)
      return `the image is ${meta.width}×${meta.height}, its sidecar says ${sidecar.width}×${sidecar.height}`;
    await sharp(bytes, { limitInputPixels: sidecar.width * sidecar.height })
      .raw()
      .toBuffer();
  } catch {
    return 'the image does not decode';
  }
  return undefined;
}
