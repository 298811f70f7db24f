import { createHash } from 'node:crypto';
import { installedSharpVersion } from './sharp-version.js';
import { type DeriveSpec, normaliseSpec } from './spec.js';

/**
 * Bump when the files derived from the same original and spec change (encoder settings,
 * crop rounding, file names): every site then re-derives once, for free, and never pays.
 */
export const DERIVE_VERSION = 1;

/**
 * The WebP and JPEG encoders' version (see encoders.ts), in the key only of the sets that
 * hold such a file: variants in either format, or the crop card. The rest (an Astro site's
 * sets, AVIF-only variants) keep their keys, so an upgrade re-derives no file it did not
 * change. Bump when those encoders' settings change.
 * 2: WebP at effort 2, JPEG variants by libjpeg-turbo at q75, the crop card as title cards.
 */
export const WEBP_JPEG_VERSION = 2;

/**
 * The sha256 naming a derived set: what it was made from (the original's hash, the
 * canonical spec) and by what (this module's version, sharp's major line). Never the
 * generation key, so widths, formats or a sharp upgrade never touch the paid image.
 */
export function derivativeKey(originalSha256: string, spec: DeriveSpec): string {
  return derivativeKeyFor(originalSha256, spec, sharpMajor(installedSharpVersion()));
}

/** `derivativeKey` with the sharp major given, so a sharp upgrade can be tested. */
export function derivativeKeyFor(
  originalSha256: string,
  spec: DeriveSpec,
  sharpLine: string,
): string {
  const { aspectRatio, focus, widths, formats, og, variants } = normaliseSpec(spec);
  // Object literals keep insertion order, so this order is the canonical one. `variants`
  // is written only when false: sets with variants keep the keys they had before the
  // field existed, so no site re-derives them.
  const webpJpeg = og || (variants && (formats.includes('webp') || formats.includes('jpeg')));
  const canonical = JSON.stringify({
    v: DERIVE_VERSION,
    // Written only where it applies, and after `v`: the other sets keep the keys they had.
    ...(webpJpeg ? { webpJpeg: WEBP_JPEG_VERSION } : {}),
    sharp: sharpLine,
    original: originalSha256.toLowerCase(),
    spec: { aspectRatio, focus, widths, formats, og, ...(variants ? {} : { variants }) },
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The part of sharp's version that may change output: the major, or for 0.x the minor
 * too, because 0.x releases break in the minor (npm's caret treats `^0.35` the same way).
 * A patch release re-derives nothing.
 */
export function sharpMajor(version: string): string {
  const [major = '0', minor = '0'] = version.split('.');
  return major === '0' ? `0.${minor}` : major;
}
