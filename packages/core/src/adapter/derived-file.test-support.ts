import type { DerivedFile } from '../derive/derived-set.js';

/** A derived file for markup tests: a 16:9 image in the folder `/cache/k`. */
export const derivedFile = (
  name: string,
  width: number,
  format: DerivedFile['format'],
): DerivedFile => ({
  file: `/cache/k/${name}`,
  width,
  height: Math.round((width * 9) / 16),
  format,
  bytes: 1,
});
