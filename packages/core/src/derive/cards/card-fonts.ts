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
 * The faces, in fallback order. Every one is OFL-1.1, from `@fontsource`, and ships as
 * `unicode-range` subsets, so a card loads only the few files its text needs. WOFF, not
 * WOFF2: satori's font parser reads TTF, OTF and WOFF only.
 * - Noto Sans: Latin (accents, Vietnamese), Greek, Cyrillic, Devanagari; always loaded.
 * - Noto Sans Hebrew, Noto Sans Arabic: right-to-left scripts. Noto Sans Thai: Thai (0.6 MB).
 * - Noto Sans SC: Chinese (and Japanese, where JP is not installed); Noto Sans KR: Korean
 *   (Hangul), which SC barely covers (80 of 11,172 syllables); Noto Sans JP: Japanese, whose
 *   kanji take their Japanese forms where the two differ. 74, 51 and ~70 MB unpacked (every
 *   weight of ~100 subsets), too large to force on every site, so they are optional peers:
 *   resolved only when a title holds their script. A title that needs one that is not
 *   installed gets the plain crop for its card (see `missingCardFonts`), never boxes.
 * - Noto Emoji: monochrome outlines. satori draws glyph outlines only, so a colour emoji
 *   font (CBDT/COLR) would draw nothing; the outline font is drawn in the text's colour.
 */
const FACES = [
  { pkg: '@fontsource/noto-sans', name: 'Noto Sans', bundled: true },
  { pkg: '@fontsource/noto-sans-hebrew', name: 'Noto Sans Hebrew', bundled: true },
  { pkg: '@fontsource/noto-sans-arabic', name: 'Noto Sans Arabic', bundled: true },
  { pkg: '@fontsource/noto-sans-thai', name: 'Noto Sans Thai', bundled: true },
  { pkg: '@fontsource/noto-sans-sc', name: 'Noto Sans SC', bundled: false },
  { pkg: '@fontsource/noto-sans-kr', name: 'Noto Sans KR', bundled: false },
  // Added after cards were first keyed: named in a card's key only once installed, so that
  // adding it did not redraw every card of the sites without it.
  {
    pkg: '@fontsource/noto-sans-jp',
    name: 'Noto Sans JP',
    bundled: false,
    keyedWhenInstalled: true,
  },
  { pkg: '@fontsource/noto-emoji', name: 'Noto Emoji', bundled: true },
] as const;

type Face = (typeof FACES)[number];
const SC = FACES[4];
const KR = FACES[5];
const JP = FACES[6];
const EMOJI = FACES[7];
const HANGUL = /\p{Script=Hangul}/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;
/** A text with kana is Japanese: its CJK characters are drawn with the Japanese face first. */
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
/**
 * The characters each optional face is there for, and what its missing-package error calls
 * it: for a Japanese text, the Japanese face; for any other, the Chinese one.
 */
const OPTIONAL = [
  { face: SC, script: 'CJK', chars: CJK, japanese: false },
  { face: KR, script: 'Korean', chars: HANGUL, japanese: undefined },
  { face: JP, script: 'Japanese', chars: CJK, japanese: true },
] as const;
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
 * installed (only the optional faces may be missing). Looked up by folder, not resolved: these
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

/** The text's code points that some face has to draw, once each. */
const drawnCodes = (text: string): number[] =>
  [...new Set([...text].filter((char) => !INVISIBLE.test(char)))].map(
    (char) => char.codePointAt(0) as number,
  );

/** Noto Sans' Latin subset: always loaded (the site's name, digits and punctuation). */
const latinSubset = (): Subset | undefined =>
  subsetsOf(FACES[0])?.find((subset) => subset.file.endsWith('-latin-700-normal.woff'));

/**
 * The installed face and subset that draw a code point outside Latin, or undefined.
 * Pictographs go to the emoji face first: other faces' subsets claim some of their ranges
 * (Noto Sans Arabic's "symbols") without drawing them. Hangul goes to the Korean face first:
 * Noto Sans SC draws a few dozen syllables, in another design. In a Japanese text, CJK
 * characters go to the Japanese face first (elsewhere it comes after SC and KR).
 */
function subsetFor(code: number, japanese: boolean): FaceSubset | undefined {
  // Remembered per code point: a CJK face has ~100 subsets of many ranges each, and a
  // build plans each post's card several times.
  const remembered = japanese ? subsetByJapaneseCode : subsetByCode;
  if (remembered.has(code)) return remembered.get(code);
  const char = String.fromCodePoint(code);
  const first = PICTOGRAPH.test(char)
    ? EMOJI
    : HANGUL.test(char)
      ? KR
      : japanese && CJK.test(char)
        ? JP
        : undefined;
  let found: FaceSubset | undefined;
  for (const each of first ? [first, ...FACES] : FACES) {
    const subset = subsetsOf(each)?.find((candidate) => covers(candidate, code));
    if (subset) {
      found = { face: each, subset };
      break;
    }
  }
  remembered.set(code, found);
  return found;
}

interface FaceSubset {
  face: Face;
  subset: Subset;
}
const subsetByCode = new Map<number, FaceSubset | undefined>();
const subsetByJapaneseCode = new Map<number, FaceSubset | undefined>();

/** What keeps a card's text from being drawn whole: see `missingCardFonts`. */
export interface MissingCardFonts {
  /** Optional font packages the text needs that are not installed, e.g. `@fontsource/noto-sans-kr`. */
  packages: string[];
  /** Characters that no face, installed or optional, draws (a script with no bundled font). */
  characters: string[];
}

/**
 * What a card's text needs that the fonts cannot draw: optional packages to install
 * (`@fontsource/noto-sans-sc`, `-kr`, `-jp`, in the faces' order) and characters no face has.
 * Both empty when the installed faces draw it all; otherwise satori would draw boxes, so a
 * build makes the header's crop the post's card instead (see `cardPlan`). Cheap: each
 * package's `unicode.json` is read once per process, and answers are remembered per text.
 */
export function missingCardFonts(text: string): MissingCardFonts {
  let missing = missingByText.get(text);
  if (!missing) {
    missing = lacking(text);
    missingByText.set(text, missing);
  }
  return missing;
}

/** Per text: a build plans each post's card several times (its set, its cards, the warm check). */
const missingByText = new Map<string, MissingCardFonts>();

function lacking(text: string): MissingCardFonts {
  const latin = latinSubset();
  const packages = new Set<string>();
  const characters: string[] = [];
  const japanese = KANA.test(text);
  for (const code of drawnCodes(text)) {
    if ((latin && covers(latin, code)) || subsetFor(code, japanese)) continue;
    const optional = missingOptional(code, japanese);
    if (optional) packages.add(optional.face.pkg);
    else characters.push(String.fromCodePoint(code));
  }
  return {
    packages: OPTIONAL.map(({ face }) => face.pkg as string).filter((pkg) => packages.has(pkg)),
    characters,
  };
}

/** The optional face that would draw `code` in this text and is not installed, if any. */
const missingOptional = (code: number, japanese: boolean) =>
  OPTIONAL.find(
    (optional) =>
      (optional.japanese === undefined || optional.japanese === japanese) &&
      optional.chars.test(String.fromCodePoint(code)) &&
      !subsetsOf(optional.face),
  );

/**
 * The faces a card's text needs, in fallback order: the user's font first (satori takes
 * each glyph from the first face that has it), then the bundled subsets covering the text.
 * Throws when the text needs an optional font package that is not installed and the site
 * gave no font of its own: a build never gets here (its plan is the crop then), a direct
 * caller learns what to install.
 */
export function fontsFor(text: string, userFont?: Uint8Array): CardFont[] {
  const fonts: CardFont[] = [];
  if (userFont) fonts.push(userFace(userFont));
  // file → face name, in the order chosen.
  const chosen = new Map<string, string>();
  const latin = latinSubset();
  if (latin) chosen.set(latin.file, FACES[0].name);
  const japanese = KANA.test(text);
  for (const code of drawnCodes(text)) {
    if (latin && covers(latin, code)) continue;
    const found = subsetFor(code, japanese);
    if (found && !chosen.has(found.subset.file)) chosen.set(found.subset.file, found.face.name);
    // A user's font may cover it (satori tries it first): the site chose it, so it is trusted.
    const optional = found || userFont ? undefined : missingOptional(code, japanese);
    if (optional) throw missingFont(text, code, optional.script, optional.face.pkg);
  }
  // One name per file: satori keeps one face per name and weight, and falls back across
  // all the faces it is given, so subsets of one family must not share a name.
  for (const [file, name] of chosen)
    fonts.push(face(`${name} ${path.basename(file, '.woff')}`, read(file)));
  return fonts;
}

/** A site's own font (`og.font`), as satori is given it: first, so tried first for every glyph. */
export function userFace(font: Uint8Array): CardFont {
  return face('User font', Buffer.from(font));
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
    if (!dir && 'keyedWhenInstalled' in each) continue;
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

function missingFont(text: string, code: number, script: string, pkg: string): HeaderforgeError {
  const char = String.fromCodePoint(code);
  return new HeaderforgeError(
    'invalid_option',
    `The social card's text "${text.slice(0, 60)}" holds "${char}" (U+${code.toString(16).toUpperCase()}), which needs the ${script} font package ${pkg}, and it is not installed.`,
    {
      hint: `Install it beside headerforge (npm install ${pkg}), or give a font that covers the title with the \`og.font\` option.`,
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
