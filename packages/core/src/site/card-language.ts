import { z } from 'zod';

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
