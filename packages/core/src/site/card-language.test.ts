import { describe, expect, it } from 'vitest';
import { canonicalLanguageTag, siteLanguageOf } from './card-language.js';

describe('canonicalLanguageTag', () => {
  it('keeps a language tag in its canonical case, and refuses what is not one', () => {
    expect(canonicalLanguageTag('zh-tw')).toBe('zh-TW');
    expect(canonicalLanguageTag('ZH-hant-hk')).toBe('zh-Hant-HK');
    expect(canonicalLanguageTag('ja')).toBe('ja');
    for (const bad of ['zh_TW', '', 'japanese!', 'a-b-c-d-e-f-g-h-i'])
      expect(canonicalLanguageTag(bad), bad).toBeUndefined();
  });
});

describe('siteLanguageOf', () => {
  it("takes Astro's default locale as the cards' language when it decides Han forms", () => {
    expect(siteLanguageOf({ defaultLocale: 'ja', locales: ['ja', 'en'] })).toBe('ja');
    expect(siteLanguageOf({ defaultLocale: 'zh-tw', locales: ['zh-tw'] })).toBe('zh-TW');
    expect(siteLanguageOf({ defaultLocale: 'zh_CN', locales: ['zh_CN'] })).toBe('zh-CN');
    // A `{ path, codes }` locale: its first code is the language.
    const locales = ['en', { path: 'chinese', codes: ['zh-Hant-HK', 'zh-HK'] }];
    expect(siteLanguageOf({ defaultLocale: 'chinese', locales })).toBe('zh-Hant-HK');
  });

  it('is no language for a site in another script, a name that is not a tag, or none', () => {
    // English and French sites keep every card key they had.
    expect(siteLanguageOf({ defaultLocale: 'en', locales: ['en', 'ja'] })).toBeUndefined();
    expect(siteLanguageOf({ defaultLocale: 'fr', locales: ['fr'] })).toBeUndefined();
    expect(siteLanguageOf({ defaultLocale: 'japanese!', locales: [] })).toBeUndefined();
    expect(
      siteLanguageOf({ defaultLocale: 'english', locales: [{ path: 'english', codes: ['en'] }] }),
    ).toBeUndefined();
    expect(siteLanguageOf({})).toBeUndefined();
    expect(siteLanguageOf(undefined)).toBeUndefined();
  });
});
