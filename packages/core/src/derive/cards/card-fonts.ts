import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { HeaderforgeError } from '../../errors/headerforge-error.js';

/** One font face as satori takes it: always bold, the only weight a card draws. */
export interface CardFont {
  name: string;
  data: Buffer;
  weight: 700;
  style: 'normal';
}

/**
 * The bundled faces, in fallback order. Every one is OFL-1.1, from `@fontsource`, and ships
 * as `unicode-range` subsets, so a card loads only the few files its text needs. WOFF, not
 * WOFF2: satori's font parser reads TTF, OTF and WOFF only.
 * - Noto Sans: Latin (accents, Vietnamese), Greek, Cyrillic, Devanagari; always loaded.
 * - Noto Sans Hebrew and Noto Sans Arabic: right-to-left scripts.
 * - Noto Sans SC: Chinese and Japanese kana. 74 MB unpacked (every weight of ~100 subsets),
 *   too large to force on every site, so it is an optional peer: resolved only when a title
 *   holds CJK, with an error saying to install it when it is missing (never boxes).
 * - Noto Emoji: monochrome outlines. satori draws glyph outlines only, so a colour emoji
 *   font (CBDT/COLR) would draw nothing; the outline font is drawn in the text's colour.
 */
const FACES = [
  { pkg: '@fontsource/noto-sans', name: 'Noto Sans', bundled: true },
  { pkg: '@fontsource/noto-sans-hebrew', name: 'Noto Sans Hebrew', bundled: true },
  { pkg: '@fontsource/noto-sans-arabic', name: 'Noto Sans Arabic', bundled: true },
  { pkg: '@fontsource/noto-sans-sc', name: 'Noto Sans SC', bundled: false },
  { pkg: '@fontsource/noto-emoji', name: 'Noto Emoji', bundled: true },
] as const;

type Face = (typeof FACES)[number];
const EMOJI = FACES[4];
const PICTOGRAPH = /\p{Extended_Pictographic}/u;

interface Subset {
  file: string;
  ranges: Array<[number, number]>;
}

const require = createRequire(import.meta.url);
const subsetsByFace = new Map<string, Subset[] | undefined>();
const fileCache = new Map<string, Buffer>();

/**
 * The package's folder, found where Node looks for it from here, or undefined when it is not
 * installed (only the CJK face may be missing). Looked up by folder, not resolved: these
 * packages hold only files, no module to import.
 */
function packageDir(face: Face): string | undefined {
  for (const folder of require.resolve.paths(face.pkg) ?? []) {
    const dir = path.join(folder, face.pkg);
    if (existsSync(path.join(dir, 'unicode.json'))) return dir;
  }
  if (face.bundled) {
    throw new HeaderforgeError(
      'io',
      `The font package ${face.pkg} that headerforge bundles is missing.`,
      {
        hint: 'Reinstall the dependencies (npm install).',
      },
    );
  }
  return undefined;
}

/** The face's subsets and the code points each covers, from the package's `unicode.json`. */
function subsetsOf(face: Face): Subset[] | undefined {
  if (subsetsByFace.has(face.pkg)) return subsetsByFace.get(face.pkg);
  const dir = packageDir(face);
  let subsets: Subset[] | undefined;
  if (dir) {
    const table = JSON.parse(readFileSync(path.join(dir, 'unicode.json'), 'utf8')) as Record<
      string,
      string
    >;
    const base = face.pkg.slice('@fontsource/'.length);
    subsets = Object.entries(table).map(([subset, ranges]) => ({
      // Numbered subsets are written "[12]" in the table and "12" in the file name.
      file: path.join(
        dir,
        'files',
        `${base}-${subset.replace(/^\[(\d+)\]$/, '$1')}-700-normal.woff`,
      ),
      ranges: parseRanges(ranges),
    }));
  }
  subsetsByFace.set(face.pkg, subsets);
  return subsets;
}

function parseRanges(css: string): Array<[number, number]> {
  return css.split(',').map((part) => {
    const [from = '0', to] = part.trim().replace(/^U\+/i, '').split('-');
    const start = Number.parseInt(from.replace(/\?/g, '0'), 16);
    const end = to ? Number.parseInt(to, 16) : Number.parseInt(from.replace(/\?/g, 'f'), 16);
    return [start, end];
  });
}

const covers = (subset: Subset, code: number) =>
  subset.ranges.some(([start, end]) => code >= start && code <= end);

/** Code points no font needs to draw: spaces, joiners, variation selectors, controls. */
const INVISIBLE = /^(?:\s|[\u200b-\u200f]|\u2060|[\ufe00-\ufe0f]|\p{Cc})$/u;
/** Characters of the scripts that only the optional CJK face covers. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;

/**
 * The faces a card's text needs, in fallback order: the user's font first (satori takes
 * each glyph from the first face that has it), then the bundled subsets covering the text.
 * Throws when the text holds CJK, the optional CJK package is not installed and the site
 * gave no font of its own.
 */
export function fontsFor(text: string, userFont?: Uint8Array): CardFont[] {
  const fonts: CardFont[] = [];
  if (userFont) fonts.push(face('User font', Buffer.from(userFont)));
  const codes = [...new Set([...text].filter((char) => !INVISIBLE.test(char)))].map(
    (char) => char.codePointAt(0) as number,
  );
  // file → face name, in the order chosen.
  const chosen = new Map<string, string>();
  // Latin is always there: the site's name, digits and punctuation fall back to it.
  const latin = subsetsOf(FACES[0])?.find((subset) =>
    subset.file.endsWith('-latin-700-normal.woff'),
  );
  if (latin) chosen.set(latin.file, FACES[0].name);
  const missing: number[] = [];
  for (const code of codes) {
    if (latin && covers(latin, code)) continue;
    // Pictographs go to the emoji face first: other faces' subsets claim some of their
    // ranges (Noto Sans Arabic's "symbols") without drawing them.
    const order = PICTOGRAPH.test(String.fromCodePoint(code)) ? [EMOJI, ...FACES] : FACES;
    const found = order.find((each) => {
      const subset = subsetsOf(each)?.find((candidate) => covers(candidate, code));
      if (subset && !chosen.has(subset.file)) chosen.set(subset.file, each.name);
      return subset !== undefined;
    });
    if (!found) missing.push(code);
  }
  const cjk = missing.find((code) => CJK.test(String.fromCodePoint(code)));
  // A user's font may cover it (satori tries it first): the site chose it, so it is trusted.
  if (cjk !== undefined && !userFont && !subsetsOf(FACES[3])) throw missingCjk(text, cjk);
  // One name per file: satori keeps one face per name and weight, and falls back across
  // all the faces it is given, so subsets of one family must not share a name.
  for (const [file, name] of chosen)
    fonts.push(face(`${name} ${path.basename(file, '.woff')}`, read(file)));
  return fonts;
}

function face(name: string, data: Buffer): CardFont {
  return { name, data, weight: 700, style: 'normal' };
}

function read(file: string): Buffer {
  let data = fileCache.get(file);
  if (!data) {
    data = readFileSync(file);
    fileCache.set(file, data);
  }
  return data;
}

/**
 * The versions of the font packages a card may draw with: a published version's files never
 * change, so these pin the bundled fonts' bytes in a card's key without reading them (a warm
 * build reads no font).
 */
export function bundledFontVersions(): Record<string, string | null> {
  const versions: Record<string, string | null> = {};
  for (const each of FACES) {
    const dir = each.bundled ? packageDir(each) : safeDir(each);
    versions[each.pkg] = dir
      ? (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string })
          .version
      : null;
  }
  return versions;
}

function safeDir(face: Face): string | undefined {
  try {
    return packageDir(face);
  } catch {
    return undefined;
  }
}

function missingCjk(text: string, code: number): HeaderforgeError {
  const char = String.fromCodePoint(code);
  return new HeaderforgeError(
    'invalid_option',
    `The social card's text "${text.slice(0, 60)}" holds "${char}" (U+${code.toString(16).toUpperCase()}), which needs the CJK font package @fontsource/noto-sans-sc, and it is not installed.`,
    {
      hint: 'Install it beside headerforge (npm install -D @fontsource/noto-sans-sc), or give a font that covers the title with the `og.font` option.',
    },
  );
}

/** Whether `bytes` are a font satori reads (TTF, OTF, WOFF); WOFF2 and the rest are not. */
export function fontKind(bytes: Uint8Array): 'ttf' | 'otf' | 'woff' | 'woff2' | undefined {
  const tag = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  if (tag === 'wOFF') return 'woff';
  if (tag === 'wOF2') return 'woff2';
  if (tag === 'OTTO') return 'otf';
  if (tag === '\x00\x01\x00\x00' || tag === 'true') return 'ttf';
  return undefined;
}
