import { readFile } from 'node:fs/promises';
import { sha256Hex } from '../cache/keys.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { Focus } from '../image/focus.js';
import { cardKey } from './card-key.js';
import { CARD_FILE_HINTS, type CardSettings } from './card-spec.js';
import { copySiblingCard, readCard, type StoredCard, writeCard } from './card-store.js';
import type { DerivedFile } from './derived-set.js';
import type { RawImage } from './sharp-input.js';

export interface GetTitleCardsInput {
  originalSha256: string;
  /** Reads the original's bytes, or hands its decoded pixels: called only when a card has to be drawn. */
  original: () => Promise<Uint8Array | RawImage>;
  focus: Focus;
  title: string;
  placeholder: boolean;
  settings: CardSettings;
  /** Absolute folder of the cards (`derivedCacheLayout(…).cards`). */
  cardsDir: string;
  /** What the card files' names start with: the post's (`fileStem`), as its set's files do. */
  stem?: string | undefined;
}

export interface TitleCards {
  /** One per size, 1200×630 first. */
  cards: DerivedFile[];
  /** How many were drawn now rather than found. */
  drawn: number;
}

/**
 * A post's title cards: found under their keys, or drawn and stored. The renderer (satori,
 * resvg, sharp, the fonts) is loaded only when a card is missing: a warm build stats files.
 */
export async function getTitleCards(input: GetTitleCardsInput): Promise<TitleCards> {
  const { settings } = input;
  const keyed = storedCards(input);
  const found = keyed.map((card) => readCard(input.cardsDir, card));
  if (found.every((card) => card !== undefined)) return { cards: found as DerivedFile[], drawn: 0 };

  const [{ checkCardFont, checkCardLogo, renderTitleCard }, { pixelsOf }] = await Promise.all([
    import('./title-card.js'),
    import('./sharp-input.js'),
  ]);
  const original = await pixelsOf(input.original);
  const font = settings.font
    ? await readChecked(settings.font, 'og.font', checkCardFont)
    : undefined;
  const { logo: logoFile } = settings;
  const logo = logoFile
    ? {
        bytes: await readChecked(logoFile, 'og.logo', (bytes) =>
          checkCardLogo({ bytes, mediaType: logoFile.mediaType }),
        ),
        mediaType: logoFile.mediaType,
      }
    : undefined;
  const cards: DerivedFile[] = [];
  let drawn = 0;
  for (const [index, stored] of keyed.entries()) {
    const kept = found[index];
    if (kept) {
      cards.push(kept);
      continue;
    }
    const card = await renderTitleCard({
      original,
      focus: input.focus,
      ...stored.size,
      title: input.title,
      placeholder: input.placeholder,
      layout: settings.layout,
      overlay: settings.overlay,
      siteName: settings.siteName,
      font,
      logo,
      lang: settings.lang,
    });
    cards.push(await writeCard(input.cardsDir, stored, card.jpeg));
    drawn++;
  }
  return { cards, drawn };
}

/** The post's cards when every one is already made (a stat each), else undefined. */
export function findTitleCards(
  input: Omit<GetTitleCardsInput, 'original'>,
): DerivedFile[] | undefined {
  const found = storedCards(input).map((card) => readCard(input.cardsDir, card));
  return found.every((card) => card !== undefined) ? (found as DerivedFile[]) : undefined;
}

/**
 * The post's cards when every one is made, or can be copied from another post's file of the
 * same key (`copySiblingCard`: a renamed post), else undefined: then some must be drawn.
 */
export async function findOrCopyTitleCards(
  input: Omit<GetTitleCardsInput, 'original'>,
): Promise<DerivedFile[] | undefined> {
  const found: DerivedFile[] = [];
  for (const card of storedCards(input)) {
    const made = readCard(input.cardsDir, card) ?? (await copySiblingCard(input.cardsDir, card));
    if (!made) return undefined;
    found.push(made);
  }
  return found;
}

const storedCards = (input: Omit<GetTitleCardsInput, 'original'>): StoredCard[] =>
  input.settings.sizes.map((size) => ({
    size,
    key: cardKey({ ...input, size }),
    stem: input.stem,
  }));

/**
 * A font or logo, checked to be the bytes whose hash named the card (not edited since), then
 * by the renderer (`usable`, whose own message names neither option nor file): read and
 * checked once per process, not once per post drawn.
 */
function readChecked(
  source: { file: string; sha256: string },
  option: keyof typeof CARD_FILE_HINTS,
  usable: (bytes: Uint8Array) => Promise<void>,
): Promise<Uint8Array> {
  const key = `${source.sha256}\0${source.file}`;
  let read = checkedFiles.get(key);
  if (!read) {
    read = readAndCheck(source, option).then(async (bytes) => {
      await usable(bytes).catch((error: unknown) => {
        throw new HeaderforgeError(
          'invalid_option',
          `Invalid headerforge option "${option}": the card renderer cannot ${RENDERER_VERB[option]} ${source.file}: ${(error as Error).message}`,
          { hint: CARD_FILE_HINTS[option], cause: error },
        );
      });
      return bytes;
    });
    checkedFiles.set(key, read);
    // A failed read is tried again by the next card.
    read.catch(() => checkedFiles.delete(key));
  }
  return read;
}

const checkedFiles = new Map<string, Promise<Uint8Array>>();

/** What the renderer does with each file, as its error says it. */
const RENDERER_VERB = { 'og.font': 'read', 'og.logo': 'draw' } as const;

async function readAndCheck(
  source: { file: string; sha256: string },
  option: string,
): Promise<Uint8Array> {
  const bytes = await readFile(source.file);
  if (sha256Hex(bytes) !== source.sha256) {
    throw new HeaderforgeError(
      'invalid_option',
      `Option "${option}": ${source.file} changed while the site was building.`,
      { hint: 'Build again: the cards are keyed by the file as it is when the build starts.' },
    );
  }
  return bytes;
}
