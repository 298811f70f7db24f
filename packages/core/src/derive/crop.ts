import { join } from 'node:path';
import type { Focus } from '../image/focus.js';
import type { DerivedFile } from './derived-set.js';
import { setFileNames } from './file-names.js';
import { focusPosition } from './focus-position.js';
import { fromRaw, type RawImage } from './sharp-input.js';

/**
 * How the master PNG is compressed, by what becomes of it. `served`: a site may serve it
 * as is (the Vite host's `master`), so zlib's default level. `intermediate`: the host
 * decodes it and makes its own files (Astro's `<Image>`), so it only has to be lossless,
 * and level 1 costs about half of level 6's encode (a grainy 1344×756: 23 vs 42 ms) for
 * a file up to a fifth larger in the cache (2.9 vs 2.5 MB), which decodes no slower.
 */
export type MasterUse = 'served' | 'intermediate';
const COMPRESSION_LEVEL: Readonly<Record<MasterUse, number>> = { served: 6, intermediate: 1 };

/**
 * The largest size of exactly `ratio` that fits in `width`×`height`: one side stays, the
 * other is cut (1344×768 at 16:9 → 1344×756). The cut side is whichever of the two
 * neighbouring integers gets `w/h` closest to the ratio, capped at the original.
 */
export function exactCropSize(
  width: number,
  height: number,
  ratio: number,
): { width: number; height: number } {
  if (width / height > ratio) {
    return { width: closest(height * ratio, width, (w) => w / height, ratio), height };
  }
  return { width, height: closest(width / ratio, height, (h) => width / h, ratio) };
}

function closest(
  ideal: number,
  max: number,
  ratioOf: (n: number) => number,
  ratio: number,
): number {
  const below = Math.max(1, Math.floor(ideal));
  const above = Math.min(max, Math.ceil(ideal));
  return Math.abs(ratioOf(below) - ratio) <= Math.abs(ratioOf(above) - ratio) ? below : above;
}

/**
 * Crops the decoded original to the exact ratio around the focus, keeping every pixel of
 * the uncut side (no resampling: the cover scale is 1), and writes the lossless master.
 * Returns the master's pixels too, since every later step starts from them.
 */
export async function cropMaster(
  original: RawImage,
  ratio: number,
  focus: Focus,
  outDir: string,
  use: MasterUse = 'served',
  name = setFileNames().master,
): Promise<{ file: DerivedFile; pixels: RawImage }> {
  const size = exactCropSize(original.width, original.height, ratio);
  const { data, info } = await fromRaw(original)
    .resize(size.width, size.height, { fit: 'cover', position: focusPosition(focus) })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels: RawImage = {
    data,
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
  const file = join(outDir, name);
  const written = await fromRaw(pixels)
    .png({ compressionLevel: COMPRESSION_LEVEL[use] })
    .toFile(file);
  return {
    file: {
      file,
      width: written.width,
      height: written.height,
      format: 'png',
      bytes: written.size,
    },
    pixels,
  };
}
