import { statSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../files/atomic-write.js';
import { childPath } from '../files/child-path.js';
import type { CardSize } from './card-spec.js';
import type { DerivedFile } from './derived-set.js';
import { cardFileName } from './file-names.js';

// The warm path lives here, and so nothing in this file may import sharp or satori.

/** One card of a post: its key, its size, and the stem of the post's files (`fileStem`). */
export interface StoredCard {
  key: string;
  size: CardSize;
  stem?: string | undefined;
}

/**
 * How the card files are laid out: part of the warm index's fingerprint, so that headers
 * it remembers with cards at other paths are made anew. 2: a folder per key, the file
 * named after the post.
 */
export const CARD_FILES_LAYOUT = 2;

/**
 * `<cardsDir>/<key[0..2]>/<key>/<stem>-og.jpg` (`-og-1080x1080.jpg` for another size; `og.jpg`
 * without a stem). Named by the key's folder, the file by its post, as the derived sets' are:
 * the host names what it emits after it (`_astro/lighthouse-og.<hash>.jpg`), so a shared
 * link's image says what it is rather than being 64 hexadecimal digits. Two posts whose
 * cards are alike share the folder, each with its file.
 */
export const cardFile = (cardsDir: string, card: StoredCard): string =>
  cardPath(cardsDir, { key: card.key, name: cardFileName(card.stem, card.size) });

/** A card file's key (its folder's name) and its own name: what `cardPath` makes a path of. */
export interface CardPlace {
  key: string;
  name: string;
}

/** The path of a card file (see `cardFile`). */
export const cardPath = (cardsDir: string, place: CardPlace) =>
  childPath(cardsDir, place.key.slice(0, 2), place.key, place.name);

/** Where a card file sits, from its path: the key and name `cardPath` made it of. */
export const cardPlace = (file: string): CardPlace => ({
  key: basename(dirname(file)),
  name: basename(file),
});

/** The card, when its file is there and not empty (written whole or not at all). */
export function readCard(cardsDir: string, card: StoredCard): DerivedFile | undefined {
  const file = cardFile(cardsDir, card);
  const bytes = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return bytes > 0 ? { file, ...card.size, format: 'jpeg', bytes } : undefined;
}

/** Stores a drawn card, atomically: a reader sees the whole file or none. */
export async function writeCard(
  cardsDir: string,
  card: StoredCard,
  jpeg: Uint8Array,
): Promise<DerivedFile> {
  const file = cardFile(cardsDir, card);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, jpeg);
  return { file, ...card.size, format: 'jpeg', bytes: jpeg.byteLength };
}

/**
 * The card copied from another post's file of the same key and size (a renamed post, or two
 * posts whose cards are alike), when there is one: the key covers everything drawn, so the
 * bytes are the very card, and copying them saves decoding the original and drawing.
 */
export async function copySiblingCard(
  cardsDir: string,
  card: StoredCard,
): Promise<DerivedFile | undefined> {
  const dir = dirname(cardFile(cardsDir, card));
  const plain = cardFileName(undefined, card.size);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (name !== plain && !name.endsWith(`-${plain}`)) continue;
    const bytes = await readFile(join(dir, name)).catch(() => undefined);
    if (bytes && bytes.byteLength > 0) return writeCard(cardsDir, card, bytes);
  }
  return undefined;
}
