import { z } from 'zod';
import type { LocaleFolder } from '../derive/card-spec.js';
import { decidesHanForms } from '../derive/cards/card-fonts.js';

/** What `og.lang` and a post's `header.og.lang` accept. */
export const LANGUAGE_EXPECTED = 'a BCP 47 language tag such as "ja", "zh-TW" or "zh-Hans"';

/**
 * `tag` as a BCP 47 language tag in its canonical case (`zh-tw` → `zh-TW`), or undefined when
 * it is not one.
 */
export function canonicalLanguageTag(tag: string): string | undefined {
  try {
    const [canonical, ...more] = Intl.getCanonicalLocales(tag);
    return more.length === 0 ? canonical : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A card's language (`og.lang`, `header.og.lang`): a BCP 47 tag, kept in its canonical case,
 * so that two spellings of one language name the same cards.
 */
export const cardLanguageSchema = z
  .string()
  .trim()
  .max(64)
  .transform((tag, context) => {
    const canonical = canonicalLanguageTag(tag);
    if (canonical !== undefined) return canonical;
    context.addIssue({ code: 'custom', message: `expected ${LANGUAGE_EXPECTED}`, input: tag });
    return z.NEVER;
  });

/** A host's i18n settings, as far as the cards' language goes (Astro's `i18n`). */
export interface HostI18n {
  defaultLocale?: unknown;
  locales?: unknown;
}

/**
 * The site's language from its host's config, Astro's `i18n.defaultLocale` (the first of its
 * `codes` when it names a `{ path, codes }` locale): the cards' default `og.lang`, but only
 * for a language that decides the forms of Han characters. A site in English or French
 * keeps every card key it had; a code that is not a BCP 47 tag (a host accepts any name) is
 * no language.
 */
export function siteLanguageOf(i18n: HostI18n | undefined): string | undefined {
  const locale = i18n?.defaultLocale;
  if (typeof locale !== 'string') return undefined;
  const code = hostLocales(i18n).find((found) => found.folder === locale)?.code ?? locale;
  return hanLanguage(code);
}

/**
 * The host's locales whose language decides the forms of Han characters (Astro's
 * `i18n.locales`): a post in a folder named like one (`src/content/blog/ja/…`) gets its
 * language on its cards. Undefined when there is none.
 */
export function localeFoldersOf(i18n: HostI18n | undefined): LocaleFolder[] | undefined {
  const folders = hostLocales(i18n).flatMap(({ folder, code }) => {
    const lang = hanLanguage(code);
    return lang === undefined ? [] : [{ folder, lang }];
  });
  return folders.length > 0 ? folders : undefined;
}

/** The host's locales: each one's folder (its path) and its language's code. */
function hostLocales(i18n: HostI18n | undefined): { folder: string; code: string }[] {
  const locales = Array.isArray(i18n?.locales) ? (i18n.locales as unknown[]) : [];
  return locales.flatMap((entry) => {
    // A `{ path, codes }` locale: its first code is the language.
    const named = typeof entry === 'object' && entry !== null && 'path' in entry;
    const folder = named ? entry.path : entry;
    const code = named && 'codes' in entry && Array.isArray(entry.codes) ? entry.codes[0] : entry;
    return typeof folder === 'string' && typeof code === 'string' ? [{ folder, code }] : [];
  });
}

/** `code` as a canonical tag when it is one and decides Han forms. */
function hanLanguage(code: string): string | undefined {
  // A code spelled with an underscore (`zh_TW`) is read as the tag it means.
  const tag = canonicalLanguageTag(code.replaceAll('_', '-'));
  return tag !== undefined && decidesHanForms(tag) ? tag : undefined;
}
