import { describe, expect, it } from 'vitest';
import { folderLanguageOf } from '../derive/card-spec.js';
import { canonicalLanguageTag, localeFoldersOf, siteLanguageOf } from './card-language.js';

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

describe('localeFoldersOf', () => {
  it("lists Astro's locales that decide Han forms, each with its folder", () => {
    const locales = ['en', 'ja', 'zh_TW', { path: 'hongkong', codes: ['zh-HK', 'zh-Hant-HK'] }];
    expect(localeFoldersOf({ defaultLocale: 'en', locales })).toEqual([
      { folder: 'ja', lang: 'ja' },
      { folder: 'zh_TW', lang: 'zh-TW' },
      { folder: 'hongkong', lang: 'zh-HK' },
    ]);
    // No locale of that kind, or none at all: nothing to look for.
    expect(localeFoldersOf({ defaultLocale: 'en', locales: ['en', 'fr'] })).toBeUndefined();
    expect(localeFoldersOf({})).toBeUndefined();
    expect(localeFoldersOf(undefined)).toBeUndefined();
  });

  it('gives a post the language of the first of its folders named like a locale', () => {
    const folders = localeFoldersOf({ locales: ['en', 'ja', 'zh-tw'] });
    expect(folderLanguageOf('src/content/blog/ja/tokyo.md', folders)).toBe('ja');
    expect(folderLanguageOf('src/content/docs/zh-tw/ja/guide.md', folders)).toBe('zh-TW');
    // A file named like a locale, a folder that only contains one's name, or no locales.
    expect(folderLanguageOf('src/content/blog/ja.md', folders)).toBeUndefined();
    expect(folderLanguageOf('src/content/blog/jazz/tokyo.md', folders)).toBeUndefined();
    expect(folderLanguageOf('src/content/blog/en/tokyo.md', folders)).toBeUndefined();
    expect(folderLanguageOf('src/content/blog/ja/tokyo.md', undefined)).toBeUndefined();
  });
});
