import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { childPath } from '../files/child-path.js';
import type { CardSize } from './card-spec.js';
import type { DerivedFile } from './derived-set.js';

// The warm path lives here, and so nothing in this file may import sharp or satori.

/** `<cardsDir>/<key[0..2]>/<key>.jpg`: one file per card, named by its key. */
export const cardFile = (cardsDir: string, key: string) =>
  childPath(cardsDir, key.slice(0, 2), `${key}.jpg`);

/** The card stored under `key`, when its file is there and not empty (written whole or not at all). */
export function readCard(cardsDir: string, key: string, size: CardSize): DerivedFile | undefined {
  const file = cardFile(cardsDir, key);
  const bytes = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return bytes > 0 ? { file, ...size, format: 'jpeg', bytes } : undefined;
}

/** Stores a drawn card under its key, atomically: a reader sees the whole file or none. */
export async function writeCard(
  cardsDir: string,
  key: string,
  size: CardSize,
  jpeg: Uint8Array,
): Promise<DerivedFile> {
  const file = cardFile(cardsDir, key);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, jpeg);
  return { file, ...size, format: 'jpeg', bytes: jpeg.byteLength };
}
