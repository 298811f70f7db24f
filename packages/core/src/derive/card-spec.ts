import { cardTitle } from './card-title.js';
import { type MissingCardFonts, missingCardFonts } from './cards/card-fonts.js';
import type { CardLayout } from './cards/card-layout.js';

export interface CardSize {
  width: number;
  height: number;
}

/** The size Facebook, LinkedIn and X expect of `og:image`: always the first card. */
export const OG_SIZE: CardSize = { width: 1200, height: 630 };

/**
 * What to do about a font or logo the cards cannot use, whether the config's check finds it
 * (by its first bytes) or the renderer does (reading it whole, before the first card).
 */
export const CARD_FILE_HINTS = {
  'og.font': 'Give a TTF, OTF or WOFF file (fontsource packages ship .woff beside each .woff2).',
  'og.logo': 'Give a PNG, JPEG or SVG logo.',
} as const;

/** A site's title cards, resolved from the `og` option (see `site/card-options.ts`). */
export interface CardSettings {
  layout: CardLayout;
  /** The scrim's least darkness at the text, 0–1. */
  overlay: number;
  siteName?: string | undefined;
  /** A user font: its absolute path and the sha256 of its bytes (which enter the key). */
  font?: { file: string; sha256: string } | undefined;
  /** A logo image: absolute path, bytes' sha256 and media type. */
  logo?: { file: string; sha256: string; mediaType: string } | undefined;
  /** 1200×630 first, then the sizes the option adds. */
  sizes: CardSize[];
  /**
   * The cards' language, a canonical BCP 47 tag (`og.lang`, or the post's `header.og.lang`):
   * it decides the forms of Han characters. Undefined: guessed from the text (kana: Japanese).
   */
  lang?: string | undefined;
  /**
   * The host's locale folders whose language decides Han forms (Astro's `i18n.locales`, when
   * `og.lang` is not given): a post in one gets its language, unless it names its own.
   */
  locales?: readonly LocaleFolder[] | undefined;
}

/** A host locale whose language decides Han forms, and the folder its content sits in. */
export interface LocaleFolder {
  /** The locale's path (Astro's locale code, or the `path` of a `{ path, codes }` locale). */
  folder: string;
  /** Its language, a canonical BCP 47 tag. */
  lang: string;
}

/** A post's `header.og`: off, today's crop, or its own title and look for the card. */
export type PostCard =
  | boolean
  | {
      title?: string | boolean | undefined;
      layout?: CardLayout | undefined;
      overlay?: number | undefined;
      lang?: string | undefined;
    };

/**
 * What a post's social card is: none, the plain crop, or a title card with this text and look.
 * A crop that stands in for a title card the fonts cannot draw says what they lack.
 */
export type CardPlan =
  | { kind: 'none' }
  | { kind: 'crop'; missingFonts?: MissingCardFonts }
  | { kind: 'title'; title: string; settings: CardSettings };

/**
 * The card the post in `file` gets from the site's `og` and its own `header.og`. A title card
 * needs a title: a post with none (and no `og.title` of its own) keeps the crop. Its language
 * is the post's own, else its locale folder's, else the site's.
 */
export function cardPlan(
  site: boolean | CardSettings,
  post: PostCard | undefined,
  postTitle: string | undefined,
  file: string,
): CardPlan {
  if (post === false || (site === false && post === undefined)) return { kind: 'none' };
  if (post === true) return { kind: 'crop' };
  if (typeof site === 'boolean' && post === undefined) return { kind: 'crop' };
  const base: CardSettings =
    typeof site === 'object'
      ? site
      : { layout: 'bottom-left', overlay: DEFAULT_OVERLAY, sizes: [OG_SIZE] };
  const title = cardTitle(post, postTitle);
  if (!title) return { kind: 'crop' };
  const own = typeof post === 'object' ? post : {};
  const { locales, ...shared } = base;
  const lang = own.lang ?? folderLanguageOf(file, locales) ?? base.lang;
  const settings: CardSettings = {
    ...shared,
    layout: own.layout ?? base.layout,
    overlay: own.overlay ?? base.overlay,
    ...(lang === undefined ? {} : { lang }),
  };
  const missingFonts = fontsLacking(title, settings);
  if (missingFonts) return { kind: 'crop', missingFonts };
  return { kind: 'title', title, settings };
}

/**
 * What the fonts lack to draw a card's text (its title and the site's name), or undefined
 * when they draw it all. A site's own font is trusted to cover what it was chosen for.
 */
function fontsLacking(title: string, settings: CardSettings): MissingCardFonts | undefined {
  if (settings.font) return undefined;
  const missing = missingCardFonts(`${title} ${settings.siteName ?? ''}`, settings.lang);
  return missing.packages.length > 0 || missing.characters.length > 0 ? missing : undefined;
}

/** The scrim's default least darkness: enough for most pictures, darkened where needed. */
export const DEFAULT_OVERLAY = 0.55;

/**
 * The language of the first folder of `file`'s path named like one of `folders`, or
 * undefined when it is in none.
 */
export function folderLanguageOf(
  file: string,
  folders: readonly LocaleFolder[] | undefined,
): string | undefined {
  if (!folders) return undefined;
  for (const segment of file.split('/').slice(0, -1)) {
    const found = folders.find((locale) => locale.folder === segment);
    if (found) return found.lang;
  }
  return undefined;
}
