import { sha256Hex } from '../cache/keys.js';
import type { Focus } from '../image/focus.js';
import type { CardSettings, CardSize } from './card-spec.js';
import { bundledFontVersions } from './cards/card-fonts.js';
import { sharpMajor } from './key.js';
import { installedSharpVersion, installedVersion } from './sharp-version.js';

/**
 * Bump when the same inputs would draw a different card (layout, type sizes, scrim,
 * encoder settings, file names): every site re-renders its cards once, for free.
 */
export const CARD_RENDERER_VERSION = 1;

export interface CardKeyInput {
  originalSha256: string;
  focus: Focus;
  size: CardSize;
  title: string;
  placeholder: boolean;
  settings: CardSettings;
}

/**
 * The sha256 naming one card: the picture it is cut from and how (original, focus, size),
 * what is written on it (title, site name, placeholder mark), its look (layout, scrim), its
 * language (when set: it chooses the forms of Han characters), the fonts' and logo's bytes,
 * and the renderer's version with satori's, resvg's and sharp's.
 * Bundled fonts enter by their packages' versions (a published version's files never
 * change), user files by their bytes' hash, so a warm build reads no font to name a card.
 * A title edit changes this key only, never the derived set's nor the paid image's.
 */
export function cardKey(input: CardKeyInput): string {
  const { settings } = input;
  const canonical = JSON.stringify({
    renderer: cardRendererVersions(),
    original: input.originalSha256.toLowerCase(),
    focus: input.focus,
    size: [input.size.width, input.size.height],
    title: input.title.normalize('NFC'),
    placeholder: input.placeholder,
    layout: settings.layout,
    overlay: settings.overlay,
    siteName: settings.siteName ?? null,
    font: settings.font?.sha256 ?? null,
    logo: settings.logo?.sha256 ?? null,
    // Named only when set, so that cards made before languages were known keep their keys.
    ...(settings.lang === undefined ? {} : { lang: settings.lang }),
  });
  return sha256Hex(canonical);
}

let versions: Record<string, unknown> | undefined;

/**
 * What draws a card besides its inputs: this renderer's version, satori's, resvg's, sharp's
 * major and the bundled fonts' packages. Read once per process.
 */
export function cardRendererVersions(): Record<string, unknown> {
  versions ??= {
    v: CARD_RENDERER_VERSION,
    satori: packageVersion('satori'),
    resvg: packageVersion('@resvg/resvg-js'),
    sharp: sharpMajor(installedSharpVersion()),
    fonts: bundledFontVersions(),
  };
  return versions;
}

const packageVersion = (name: string): string => installedVersion(name) ?? 'unknown';
