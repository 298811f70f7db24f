import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeriveSpec, normaliseSpec } from './spec.js';

/**
 * Bump when the files derived from the same original and spec change (encoder settings,
 * crop rounding, file names): every site then re-derives once, for free, and never pays.
 */
export const DERIVE_VERSION = 1;

/**
 * The sha256 naming a derived set: what it was made from (the original's hash, the
 * canonical spec) and by what (this module's version, sharp's major line). Never the
 * generation key, so widths, formats or a sharp upgrade never touch the paid image.
 */
export function derivativeKey(originalSha256: string, spec: DeriveSpec): string {
  return derivativeKeyFor(originalSha256, spec, installedSharpLine());
}

let sharpLine: string | undefined;
/**
 * The installed sharp's major line, from its package.json: the warm path (a dev server's
 * start included) looks keys up without loading sharp's native library, let alone running it.
 */
function installedSharpLine(): string {
  if (sharpLine === undefined) {
    // sharp's entry is one folder below its package (`dist/` now, `lib/` before).
    let dir = dirname(fileURLToPath(import.meta.resolve('sharp')));
    for (;;) {
      try {
        const found = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (found.name === 'sharp' && found.version) {
          sharpLine = sharpMajor(found.version);
          break;
        }
      } catch {
        // No package.json here: look one folder up.
      }
      const parent = dirname(dir);
      if (parent === dir) throw new Error('Cannot find the installed sharp package.json');
      dir = parent;
    }
  }
  return sharpLine;
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
  const canonical = JSON.stringify({
    v: DERIVE_VERSION,
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
