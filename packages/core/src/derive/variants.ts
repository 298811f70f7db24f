import { join } from 'node:path';
import type { OutputFormat } from '../image/output-formats.js';
import type { DerivedFile } from './derived-set.js';
import { encode } from './encoders.js';
import { type SetFileNames, setFileNames } from './file-names.js';
import { fromRaw, type RawImage } from './sharp-input.js';

/**
 * The responsive sizes to make from a master: each wanted width it can fill (never
 * upscaled), heights at the exact ratio. When every width is wider than the master there
 * is still one size, the master's own, so a site always has something to serve.
 */
export function variantSizes(
  masterWidth: number,
  ratio: number,
  widths: readonly number[],
): { width: number; height: number }[] {
  const fitting = [...new Set(widths.filter((width) => width <= masterWidth))].sort(
    (a, b) => a - b,
  );
  const chosen = fitting.length > 0 ? fitting : [masterWidth];
  return chosen.map((width) => ({ width, height: Math.max(1, Math.round(width / ratio)) }));
}

/**
 * Writes widths × formats from the master's pixels, sorted by format then width. The
 * encodes run together: sharp queues them on libuv's pool, one libvips thread each.
 */
export async function writeVariants(
  master: RawImage,
  ratio: number,
  widths: readonly number[],
  formats: readonly OutputFormat[],
  outDir: string,
  nameOf: SetFileNames['variant'] = setFileNames().variant,
): Promise<DerivedFile[]> {
  const sizes = variantSizes(master.width, ratio, widths);
  const order = [...formats].sort();
  const jobs = order.flatMap((format) =>
    sizes.map(async ({ width, height }): Promise<DerivedFile> => {
      const file = join(outDir, nameOf(width, format));
      // Cover, not fill: where the integer height is off the ratio by a fraction of a
      // pixel, trimming that fraction beats stretching the picture.
      const resized = fromRaw(master).resize(width, height, { fit: 'cover' });
      const info = await encode(resized, format).toFile(file);
      return { file, width: info.width, height: info.height, format, bytes: info.size };
    }),
  );
  // One failing (a full disk) fails the set once the others have ended: the caller then
  // removes the folder, which nothing may still be writing into.
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<DerivedFile>).value);
}
