import { join } from 'node:path';
import type { Focus } from '../image/focus.js';
import { OG_SIZE } from './card-spec.js';
import type { DerivedFile } from './derived-set.js';
import { encodeCard } from './encoders.js';
import { setFileNames } from './file-names.js';
import { focusPosition } from './focus-position.js';
import { fromRaw, type RawImage } from './sharp-input.js';

/**
 * The social card, cropped from the whole original (not the 16:9 master, which would
 * lose more) with the post's focus. JPEG because not every crawler reads WebP or AVIF.
 * A small original is enlarged: the card's size is fixed by the platforms.
 */
export async function writeOgCard(
  original: RawImage,
  focus: Focus,
  outDir: string,
  name = setFileNames().og,
): Promise<DerivedFile> {
  const file = join(outDir, name);
  const card = fromRaw(original).resize(OG_SIZE.width, OG_SIZE.height, {
    fit: 'cover',
    position: focusPosition(focus),
  });
  const info = await encodeCard(card).toFile(file);
  return { file, width: info.width, height: info.height, format: 'jpeg', bytes: info.size };
}
