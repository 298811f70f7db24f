import { describe, expect, it } from 'vitest';
import { canonicalLanguageTag } from './card-language.js';

describe('canonicalLanguageTag', () => {
  it('keeps a language tag in its canonical case, and refuses what is not one', () => {
    expect(canonicalLanguageTag('zh-tw')).toBe('zh-TW');
    expect(canonicalLanguageTag('ZH-hant-hk')).toBe('zh-Hant-HK');
    expect(canonicalLanguageTag('ja')).toBe('ja');
    for (const bad of ['zh_TW', '', 'japanese!', 'a-b-c-d-e-f-g-h-i'])
      expect(canonicalLanguageTag(bad), bad).toBeUndefined();
  });
});
