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
 *   kanji take their Japanese forms where the two differ; Noto Sans TC and HK: Traditional
 *   Chinese in Taiwan's and Hong Kong's forms, for a site or post whose `og.lang` says so.
 *   74, 51 and ~70 MB each unpacked (every weight of ~100 subsets), too large to force on
 *   every site, so they are optional peers: resolved only when a title holds their script.
 *   A title that needs one that is not installed gets the plain crop for its card (see
 *   `missingCardFonts`), never boxes.
 * - Noto Emoji: monochrome outlines. satori draws glyph outlines only, so a colour emoji
 *   font (CBDT/COLR) would draw nothing; the outline font is drawn in the text's colour.
 */
const FACES = [
  { pkg: '@fontsource/noto-sans', name: 'Noto Sans', bundled: true },
  { pkg: '@fontsource/noto-sans-hebrew', name: 'Noto Sans Hebrew', bundled: true },
  { pkg: '@fontsource/noto-sans-arabic', name: 'Noto Sans Arabic', bundled: true },
  { pkg: '@fontsource/noto-sans-thai', name: 'Noto Sans Thai', bundled: true },
  { pkg: '@fontsource/noto-sans-sc', name: 'Noto Sans SC', bundled: false, script: 'CJK' },
  { pkg: '@fontsource/noto-sans-kr', name: 'Noto Sans KR', bundled: false, script: 'Korean' },
  // Added after cards were first keyed: named in a card's key only once installed, so that
  // adding them did not redraw every card of the sites without them.
  {
    pkg: '@fontsource/noto-sans-jp',
    name: 'Noto Sans JP',
    bundled: false,
    script: 'Japanese',
    keyedWhenInstalled: true,
  },
  {
    pkg: '@fontsource/noto-sans-tc',
    name: 'Noto Sans TC',
    bundled: false,
    script: 'Traditional Chinese',
    keyedWhenInstalled: true,
  },
  {
    pkg: '@fontsource/noto-sans-hk',
    name: 'Noto Sans HK',
    bundled: false,
    script: 'Hong Kong Chinese',
    keyedWhenInstalled: true,
  },
  { pkg: '@fontsource/noto-emoji', name: 'Noto Emoji', bundled: true },
] as const;

type Face = (typeof FACES)[number];
type OptionalFace = Extract<Face, { script: string }>;
const faceOf = <P extends Face['pkg']>(pkg: P) =>
  FACES.find((face) => face.pkg === pkg) as Extract<Face, { pkg: P }>;
const SC = faceOf('@fontsource/noto-sans-sc');
const KR = faceOf('@fontsource/noto-sans-kr');
const JP = faceOf('@fontsource/noto-sans-jp');
const TC = faceOf('@fontsource/noto-sans-tc');
const HK = faceOf('@fontsource/noto-sans-hk');
const EMOJI = faceOf('@fontsource/noto-emoji');
/** The optional faces, in the order a text's missing packages are named. */
const OPTIONAL: readonly OptionalFace[] = [SC, KR, JP, TC, HK];
const HANGUL = /\p{Script=Hangul}/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;
/** A text with kana is Japanese: its CJK characters are drawn with the Japanese face first. */
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
/**
 * The face a language's script draws Han characters with (`og.lang`); Traditional Chinese
 * by region too, Hong Kong's and Macao's forms being their own.
 */
const HAN_FACE_BY_SCRIPT: Readonly<Record<string, OptionalFace>> = {
  Hant: TC,
  'Hant-HK': HK,
  'Hant-MO': HK,
  Hans: SC,
  Jpan: JP,
  Kore: KR,
};

/**
 * Which face draws a text's CJK characters (Han, kana, CJK punctuation), in the forms its
 * readers expect: the same character is drawn differently in Japan, mainland China, Taiwan
 * and Korea.
 * - `prefer`: tried first for them (before the faces' fallback order), if installed;
 * - `want`: the package a CJK character no installed face draws asks for;
 * - `required`: the language chose the face, so without it the card is not drawn (another
 *   face would draw the characters in forms the site said were not its own).
 */
interface HanFace {
  prefer: OptionalFace | undefined;
  want: OptionalFace;
  required: boolean;
}

/**
 * The text's Han face. A language tag decides by its script, as `Intl.Locale` fills it in:
 * `zh-TW`, `zh-Hant` → TC; `zh-HK`, `zh-MO`, `yue` → HK; `zh`, `zh-CN`, `zh-Hans` → SC;
 * `ja` → JP; `ko` → KR.
 * Without one (or for another script's language), a text with kana is Japanese and any other
 * takes the faces' order (SC first), as before languages were known.
 */
function hanFaceOf(text: string, lang: string | undefined): HanFace {
  const script = lang === undefined ? undefined : scriptOf(lang);
  const face = script && (HAN_FACE_BY_SCRIPT[script.join('-')] ?? HAN_FACE_BY_SCRIPT[script[0]]);
  if (face) return { prefer: face, want: face, required: true };
  return KANA.test(text)
    ? { prefer: JP, want: JP, required: false }
    : { prefer: undefined, want: SC, required: false };
}

/**
 * Whether `lang` decides the forms of Han characters on a card (Chinese, Japanese, Korean):
 * a language of another script (`en`, `fr`) draws every card as no language would.
 */
export const decidesHanForms = (lang: string): boolean => hanFaceOf('', lang).required;

/** The language's script and region, as `Intl.Locale` fills them in (`zh-HK` → Hant, HK). */
const scriptOf = (lang: string): [string, string] | undefined => {
  try {
    const { script, region } = new Intl.Locale(lang).maximize();
    return script === undefined ? undefined : [script, region ?? ''];
  } catch {
    return undefined;
  }
};
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
 * Noto Sans SC draws a few dozen syllables, in another design. CJK characters go to the
 * text's `prefer` face first (see `hanFaceOf`); without one, SC comes first of the CJK faces.
 */
function subsetFor(code: number, prefer: OptionalFace | undefined): FaceSubset | undefined {
  // Remembered per code point: a CJK face has ~100 subsets of many ranges each, and a
  // build plans each post's card several times.
  const remembered = subsetByCode(prefer);
  if (remembered.has(code)) return remembered.get(code);
  const char = String.fromCodePoint(code);
  const first = PICTOGRAPH.test(char)
    ? EMOJI
    : HANGUL.test(char)
      ? KR
      : prefer && CJK.test(char)
        ? prefer
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
/** Per preferred face (`''`: none), the subset found for each code point. */
const subsetsByPreference = new Map<string, Map<number, FaceSubset | undefined>>();
function subsetByCode(prefer: OptionalFace | undefined): Map<number, FaceSubset | undefined> {
  const name = prefer?.pkg ?? '';
  let found = subsetsByPreference.get(name);
  if (!found) {
    found = new Map();
    subsetsByPreference.set(name, found);
  }
  return found;
}

/**
 * How a code point outside Latin is drawn in a text whose Han face is `han`: the subset that
 * draws it (if any), and the optional face it needs that is not installed (if any). A face
 * the language requires is needed even where another face would draw the character.
 */
function lookUp(code: number, han: HanFace): { found?: FaceSubset; missing?: OptionalFace } {
  const char = String.fromCodePoint(code);
  const found = subsetFor(code, han.prefer);
  if (han.required && CJK.test(char) && !subsetsOf(han.want)) return { found, missing: han.want };
  if (found) return { found };
  const want = HANGUL.test(char) ? KR : CJK.test(char) ? han.want : undefined;
  return want && !subsetsOf(want) ? { missing: want } : {};
}

/** What keeps a card's text from being drawn whole: see `missingCardFonts`. */
export interface MissingCardFonts {
  /** Optional font packages the text needs that are not installed, e.g. `@fontsource/noto-sans-kr`. */
  packages: string[];
  /** Characters that no face, installed or optional, draws (a script with no bundled font). */
  characters: string[];
}

/**
 * What a card's text needs that the fonts cannot draw: optional packages to install
 * (`@fontsource/noto-sans-sc`, `-kr`, `-jp`, `-tc`, `-hk`, in that order) and characters no face
 * has. Both empty when the installed faces draw it all; otherwise satori would draw boxes,
 * or Han characters in another country's forms than `lang` asks for, so a build makes the
 * header's crop the post's card instead (see `cardPlan`). Cheap: each package's
 * `unicode.json` is read once per process, and answers are remembered per text and language.
 */
export function missingCardFonts(text: string, lang?: string): MissingCardFonts {
  const id = `${lang ?? ''}\0${text}`;
  let missing = missingByText.get(id);
  if (!missing) {
    missing = lacking(text, lang);
    missingByText.set(id, missing);
  }
  return missing;
}

/** Per text: a build plans each post's card several times (its set, its cards, the warm check). */
const missingByText = new Map<string, MissingCardFonts>();

function lacking(text: string, lang: string | undefined): MissingCardFonts {
  const latin = latinSubset();
  const packages = new Set<string>();
  const characters: string[] = [];
  const han = hanFaceOf(text, lang);
  for (const code of drawnCodes(text)) {
    if (latin && covers(latin, code)) continue;
    const { found, missing } = lookUp(code, han);
    if (missing) packages.add(missing.pkg);
    else if (!found) characters.push(String.fromCodePoint(code));
  }
  return {
    packages: OPTIONAL.map((face) => face.pkg as string).filter((pkg) => packages.has(pkg)),
    characters,
  };
}

/**
 * The faces a card's text needs, in fallback order: the user's font first (satori takes
 * each glyph from the first face that has it), then the bundled subsets covering the text,
 * the Han face `lang` asks for first among the CJK ones. Throws when the text needs an
 * optional font package that is not installed and the site gave no font of its own: a
 * build never gets here (its plan is the crop then), a direct caller learns what to install.
 */
export function fontsFor(text: string, userFont?: Uint8Array, lang?: string): CardFont[] {
  const fonts: CardFont[] = [];
  if (userFont) fonts.push(userFace(userFont));
  // file → face name, in the order chosen.
  const chosen = new Map<string, string>();
  const latin = latinSubset();
  const han = hanFaceOf(text, lang);
  for (const code of drawnCodes(text)) {
    if (latin && covers(latin, code)) continue;
    const { found, missing } = lookUp(code, han);
    // A user's font may cover it (satori tries it first): the site chose it, so it is trusted.
    if (missing && !userFont) {
      const byLanguage = han.required && missing === han.want ? lang : undefined;
      throw missingFont(text, code, missing.script, missing.pkg, byLanguage);
    }
    if (found && !chosen.has(found.subset.file)) chosen.set(found.subset.file, found.face.name);
  }
  // satori draws each glyph from the first face given that has it: with a language, another
  // CJK face's subsets (drawing the odd character the language's face lacks), which may hold
  // the same characters in other forms, go after its face's; the rest keep their order.
  // Without one, the order is as it was before languages were known (same cards, same keys).
  const demoted = (name: string) =>
    han.required && name !== han.want.name && OPTIONAL.some((face) => face.name === name);
  const ordered = [...chosen].sort(([, a], [, b]) => Number(demoted(a)) - Number(demoted(b)));
  if (latin) ordered.unshift([latin.file, FACES[0].name]);
  // One name per file: satori keeps one face per name and weight, and falls back across
  // all the faces it is given, so subsets of one family must not share a name.
  for (const [file, name] of ordered)
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

function missingFont(
  text: string,
  code: number,
  script: string,
  pkg: string,
  /** The card's language, when it is what asks for this package. */
  lang: string | undefined,
): HeaderforgeError {
  const char = String.fromCodePoint(code);
  const why = lang === undefined ? '' : ` (the card's language is ${lang})`;
  return new HeaderforgeError(
    'invalid_option',
    `The social card's text "${text.slice(0, 60)}" holds "${char}" (U+${code.toString(16).toUpperCase()}), which needs the ${script} font package ${pkg}${why}, and it is not installed.`,
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
