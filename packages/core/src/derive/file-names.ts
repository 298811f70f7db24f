import type { OutputFormat } from '../image/output-formats.js';
import { type CardSize, OG_SIZE } from './card-spec.js';
import { EXTENSIONS } from './encoders.js';

/** How the files of a derived set are named. */
export interface SetFileNames {
  /** `lighthouse.png`, or `master.png` without a stem. */
  master: string;
  /** `lighthouse-og.jpg`, or `og.jpg`. */
  og: string;
  /** `lighthouse-w640.avif`, or `w640.avif`. */
  variant(width: number, format: OutputFormat): string;
}

/**
 * The names of a set's files, each starting with `stem` when there is one. The host names
 * what it emits after them (Vite: `assets/lighthouse-w640-<hash>.avif`; Astro's `<Image>`:
 * `_astro/lighthouse.<hash>.webp`), so a page's image has a name that says what it is, to
 * a search engine and to a reader who saves it, not `master` like every other post's.
 */
export function setFileNames(stem?: string): SetFileNames {
  const head = stem ? `${stem}-` : '';
  return {
    master: `${stem ?? 'master'}.png`,
    og: cardFileName(stem, OG_SIZE),
    variant: (width, format) => `${head}w${width}.${EXTENSIONS[format]}`,
  };
}

/**
 * A social card's name, the crop's or a title card's: `lighthouse-og.jpg`, with its size for
 * another than 1200×630 (`lighthouse-og-1080x1080.jpg`), `og.jpg` without a stem.
 */
export function cardFileName(stem: string | undefined, size: CardSize): string {
  const sized =
    size.width === OG_SIZE.width && size.height === OG_SIZE.height
      ? ''
      : `-${size.width}x${size.height}`;
  return `${stem ? `${stem}-` : ''}og${sized}.jpg`;
}

/** Longest stem: a name long enough to say what it is, short enough for a URL. */
const MAX_STEM = 48;

/**
 * The stem of the files derived for a post: its slug, from the content file's name (or its
 * folder's, for `…/post-name/index.md`), in lower-case ASCII letters, digits and hyphens
 * (accents dropped: `Crème brûlée.md` → `creme-brulee`), at most 48 characters, cut at a
 * hyphen. Undefined when nothing is left (a name in a script without Latin letters), and
 * the set keeps the plain names.
 */
export function fileStem(postFile: string): string | undefined {
  const parts = postFile.split(/[\\/]/).filter(Boolean);
  let name = (parts.pop() ?? '').replace(/\.[^.]*$/, '');
  if (name.toLowerCase() === 'index' && parts.length > 0) name = parts.pop() as string;
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!slug) return undefined;
  // Windows refuses these names whatever their extension (`Con!.md` is a valid post there).
  if (WINDOWS_DEVICES.test(slug)) return `${slug}-header`;
  if (slug.length <= MAX_STEM) return slug;
  const cut = slug.slice(0, MAX_STEM + 1);
  const atHyphen = cut.lastIndexOf('-');
  return (atHyphen > 0 ? cut.slice(0, atHyphen) : cut.slice(0, MAX_STEM)).replace(/-+$/, '');
}

const WINDOWS_DEVICES = /^(?:con|prn|aux|nul|com\d|lpt\d)$/;
