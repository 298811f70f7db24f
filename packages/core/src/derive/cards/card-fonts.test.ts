import { describe, expect, it, vi } from 'vitest';

// Hides the optional CJK, Korean, Japanese and Traditional Chinese (Taiwan's and Hong Kong's)
// packages, as on a site that did not install them. Traditional Chinese is hidden with the CJK
// one unless a test says otherwise: each draws Chinese, and `cjk` stands for a site with no
// Chinese face.
const hidden = vi.hoisted(() => ({
  cjk: false,
  korean: false,
  japanese: false,
  traditional: undefined as boolean | undefined,
}));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const isHidden = (path: string) =>
    (hidden.cjk && path.includes('noto-sans-sc')) ||
    (hidden.korean && path.includes('noto-sans-kr')) ||
    (hidden.japanese && path.includes('noto-sans-jp')) ||
    ((hidden.traditional ?? hidden.cjk) && /noto-sans-(tc|hk)/.test(path));
  return {
    ...fs,
    existsSync: (path: Parameters<typeof fs.existsSync>[0]) =>
      isHidden(String(path)) ? false : fs.existsSync(path),
  };
});

const load = async () => {
  vi.resetModules();
  return import('./card-fonts.js');
};

describe('fontsFor', () => {
  it('loads only the subsets the text needs, Latin always', async () => {
    hidden.cjk = false;
    const { fontsFor } = await load();
    expect(fontsFor('Plain title').map((font) => font.name)).toEqual([
      'Noto Sans noto-sans-latin-700-normal',
    ]);
    const names = fontsFor('Łódź שלום 🚀 東京').map((font) => font.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Noto Sans noto-sans-latin-ext-700-normal',
        'Noto Sans Hebrew noto-sans-hebrew-hebrew-700-normal',
        expect.stringMatching(/^Noto Emoji noto-emoji-\d+-700-normal$/),
        expect.stringMatching(/^Noto Sans SC noto-sans-sc-\d+-700-normal$/),
      ]),
    );
  });

  it('puts a user font first', async () => {
    hidden.cjk = false;
    const { fontsFor } = await load();
    const fonts = fontsFor('Title', new Uint8Array([0x77, 0x4f, 0x46, 0x46]));
    expect(fonts[0]?.name).toBe('User font');
  });

  it('says to install the CJK package when a title needs it and it is missing', async () => {
    // No optional package: Noto Sans KR and JP draw the common Han characters and kana too.
    hidden.cjk = true;
    hidden.korean = true;
    hidden.japanese = true;
    const { fontsFor } = await load();
    expect(() => fontsFor('北京的春天')).toThrow(
      /needs the CJK font package @fontsource\/noto-sans-sc, and it is not installed/,
    );
    // A title with kana is Japanese: it needs the Japanese package.
    expect(() => fontsFor('東京の夜')).toThrow(
      /needs the Japanese font package @fontsource\/noto-sans-jp, and it is not installed/,
    );
    // Titles without CJK do not need it, nor does a site with a font of its own.
    expect(fontsFor('Tokyo at night').length).toBe(1);
    expect(fontsFor('東京の夜', new Uint8Array([0x77, 0x4f, 0x46, 0x46]))[0]?.name).toBe(
      'User font',
    );
    hidden.cjk = false;
    hidden.korean = false;
    hidden.japanese = false;
  });

  it('draws a Japanese title (one with kana) from Noto Sans JP, a Chinese one from SC', async () => {
    hidden.japanese = false;
    const { fontsFor } = await load();
    const cjkFaces = (text: string) =>
      fontsFor(text)
        .map((font) => font.name)
        .slice(1);
    // 直 and 骨 are among the kanji whose Japanese and Chinese forms differ.
    const japanese = cjkFaces('直線と骨の話');
    expect(japanese.length).toBeGreaterThan(0);
    for (const name of japanese) expect(name).toMatch(/^Noto Sans JP noto-sans-jp-\d+-700-normal$/);
    const chinese = cjkFaces('直线与骨头');
    expect(chinese.length).toBeGreaterThan(0);
    for (const name of chinese) expect(name).toMatch(/^Noto Sans SC noto-sans-sc-\d+-700-normal$/);
    // Kana SC lacks (ゔ, ヷ) are drawn now.
    expect(cjkFaces('ゔァイオリンとヷ').every((name) => name.startsWith('Noto Sans JP'))).toBe(
      true,
    );

    // Without the Japanese package, a Japanese title is drawn from SC, as before it existed.
    hidden.japanese = true;
    const without = await load();
    const fallback = without
      .fontsFor('直線と骨の話')
      .map((font) => font.name)
      .slice(1);
    for (const name of fallback) expect(name).toMatch(/^Noto Sans SC /);
    expect(without.missingCardFonts('直線と骨の話')).toEqual({ packages: [], characters: [] });
    // The kana only JP draws: the card needs it.
    expect(without.missingCardFonts('ゔァイオリンとヷ')).toEqual({
      packages: ['@fontsource/noto-sans-jp'],
      characters: [],
    });
    hidden.japanese = false;
  });

  it('draws Thai and Devanagari from bundled faces, Hangul from the Korean one', async () => {
    hidden.cjk = false;
    hidden.korean = false;
    const { fontsFor } = await load();
    expect(fontsFor('สวัสดีชาวโลก हिन्दी').map((font) => font.name)).toEqual([
      'Noto Sans noto-sans-latin-700-normal',
      'Noto Sans Thai noto-sans-thai-thai-700-normal',
      'Noto Sans noto-sans-devanagari-700-normal',
    ]);
    // Noto Sans SC draws a few dozen Hangul syllables (한 among them), in another design:
    // a Korean title takes all of its syllables from Noto Sans KR.
    const korean = fontsFor('한국어 블로그').map((font) => font.name);
    expect(korean.slice(1).length).toBeGreaterThan(0);
    for (const name of korean.slice(1)) expect(name).toMatch(/^Noto Sans KR noto-sans-kr-\d+-/);
  });

  it('says to install the Korean package when a title needs it and it is missing', async () => {
    hidden.korean = true;
    const { fontsFor } = await load();
    expect(() => fontsFor('서울의 밤')).toThrow(
      /needs the Korean font package @fontsource\/noto-sans-kr, and it is not installed/,
    );
    hidden.korean = false;
  });

  it('tells what a text lacks: optional packages not installed, characters no face draws', async () => {
    hidden.cjk = true;
    hidden.korean = true;
    hidden.japanese = true;
    const { missingCardFonts } = await load();
    expect(missingCardFonts('Crème brûlée 🚀 שלום مرحبا สวัสดี हिन्दी')).toEqual({
      packages: [],
      characters: [],
    });
    expect(missingCardFonts('서울 and 東京')).toEqual({
      packages: ['@fontsource/noto-sans-sc', '@fontsource/noto-sans-kr'],
      characters: [],
    });
    expect(missingCardFonts('東京の夜')).toEqual({
      packages: ['@fontsource/noto-sans-jp'],
      characters: [],
    });
    // Bengali has no bundled face at all: nothing to install, the characters are named.
    expect(missingCardFonts('বাংলা ব্লগ')).toEqual({
      packages: [],
      characters: ['ব', 'া', 'ং', 'ল', '্', 'গ'],
    });
    // Korean's face alone draws the common kanji and kana, not simplified Chinese.
    hidden.korean = false;
    const koreanOnly = await load();
    expect(koreanOnly.missingCardFonts('東京の夜')).toEqual({ packages: [], characters: [] });
    expect(koreanOnly.missingCardFonts('我们的博客').packages).toEqual([
      '@fontsource/noto-sans-sc',
    ]);
    hidden.cjk = false;
    hidden.japanese = false;
    const installed = await load();
    expect(installed.missingCardFonts('서울 and 東京')).toEqual({ packages: [], characters: [] });
  });

  it('pins every font package in the card key: its version, or null when not installed', async () => {
    hidden.korean = true;
    hidden.japanese = true;
    const { bundledFontVersions } = await load();
    const versions = bundledFontVersions();
    hidden.korean = false;
    hidden.japanese = false;
    // The Japanese face came later: not installed, it is not named, so the keys of the
    // cards made before it stay as they were.
    expect(Object.keys(versions)).not.toContain('@fontsource/noto-sans-jp');
    expect(versions).toMatchObject({
      '@fontsource/noto-sans': expect.stringMatching(/^\d+\.\d+\.\d+$/),
      '@fontsource/noto-sans-thai': expect.stringMatching(/^\d+\.\d+\.\d+$/),
      '@fontsource/noto-sans-sc': expect.stringMatching(/^\d+\.\d+\.\d+$/),
      '@fontsource/noto-sans-kr': null,
    });
    // Installing the Korean package changes the key of every card, so none is stale.
    const installed = (await load()).bundledFontVersions();
    expect(installed['@fontsource/noto-sans-kr']).toMatch(/^\d/);
    expect(installed['@fontsource/noto-sans-jp']).toMatch(/^\d/);
    // Traditional Chinese came later still: the same.
    expect(installed['@fontsource/noto-sans-tc']).toMatch(/^\d/);
    expect(installed['@fontsource/noto-sans-hk']).toMatch(/^\d/);
    hidden.traditional = true;
    const without = Object.keys((await load()).bundledFontVersions());
    expect(without).not.toContain('@fontsource/noto-sans-tc');
    expect(without).not.toContain('@fontsource/noto-sans-hk');
    hidden.traditional = undefined;
  });

  it('draws Han characters in the forms of the language the card is in', async () => {
    const { fontsFor } = await load();
    const faces = (text: string, lang?: string) =>
      new Set(
        fontsFor(text, undefined, lang)
          .slice(1)
          .map((font) => font.name.replace(/ noto-sans-.*$/, '')),
      );
    // 直 and 骨 are drawn differently in Japan, mainland China, Taiwan and Korea.
    const kanjiOnly = '直線骨';
    expect(faces(kanjiOnly)).toEqual(new Set(['Noto Sans SC']));
    expect(faces(kanjiOnly, 'ja')).toEqual(new Set(['Noto Sans JP']));
    expect(faces(kanjiOnly, 'ja-JP')).toEqual(new Set(['Noto Sans JP']));
    for (const lang of ['zh-TW', 'zh-Hant', 'zh-Hant-TW'])
      expect(faces(kanjiOnly, lang), lang).toEqual(new Set(['Noto Sans TC']));
    for (const lang of ['zh-HK', 'zh-MO', 'yue', 'zh-Hant-HK'])
      expect(faces(kanjiOnly, lang), lang).toEqual(new Set(['Noto Sans HK']));
    for (const lang of ['zh', 'zh-CN', 'zh-Hans', 'zh-SG'])
      expect(faces(kanjiOnly, lang), lang).toEqual(new Set(['Noto Sans SC']));
    expect(faces('直線骨 한국', 'ko')).toEqual(new Set(['Noto Sans KR']));
    // A language of another script leaves the guess from the text as it was.
    expect(faces(kanjiOnly, 'en')).toEqual(faces(kanjiOnly));
    expect(faces('直線と骨', 'en')).toEqual(new Set(['Noto Sans JP']));
    // Latin, emoji and the rest keep their faces whatever the language.
    expect(fontsFor('Łódź 🚀', undefined, 'zh-TW').map((font) => font.name)).toEqual(
      fontsFor('Łódź 🚀').map((font) => font.name),
    );
  });

  it("puts the language's Han face before another CJK face that draws what it lacks", async () => {
    const { fontsFor } = await load();
    // 龃 is simplified only: Noto Sans TC lacks it, and SC's subset that draws it holds 龍
    // too, in its own forms. satori draws each glyph from the first face that has it.
    const names = fontsFor('龃龍', undefined, 'zh-TW')
      .slice(1)
      .map((font) => font.name);
    expect(names.map((name) => name.replace(/ noto-sans-.*$/, ''))).toEqual([
      'Noto Sans TC',
      'Noto Sans SC',
    ]);
  });

  it("needs the face the card's language asks for, though another would draw the characters", async () => {
    hidden.traditional = true;
    hidden.japanese = true;
    const { fontsFor, missingCardFonts } = await load();
    // Without a language, SC draws them: nothing is missing.
    expect(missingCardFonts('臺灣的夜市')).toEqual({ packages: [], characters: [] });
    expect(missingCardFonts('臺灣的夜市', 'zh-TW')).toEqual({
      packages: ['@fontsource/noto-sans-tc'],
      characters: [],
    });
    expect(missingCardFonts('東京タワー', 'ja').packages).toEqual(['@fontsource/noto-sans-jp']);
    expect(missingCardFonts('東京', 'ja').packages).toEqual(['@fontsource/noto-sans-jp']);
    // Latin text needs no Han face in any language.
    expect(missingCardFonts('Taipei at night', 'zh-TW')).toEqual({ packages: [], characters: [] });
    expect(() => fontsFor('臺灣的夜市', undefined, 'zh-TW')).toThrow(
      /needs the Traditional Chinese font package @fontsource\/noto-sans-tc \(the card's language is zh-TW\), and it is not installed/,
    );
    // A site's own font is trusted with it; the installed faces still back it up.
    const withFont = fontsFor('臺灣', new Uint8Array([0x77, 0x4f, 0x46, 0x46]), 'zh-TW');
    expect(withFont[0]?.name).toBe('User font');
    expect(withFont.some((font) => font.name.startsWith('Noto Sans SC'))).toBe(true);
    hidden.traditional = undefined;
    hidden.japanese = false;
  });

  it('tells font files apart by their first bytes', async () => {
    const { fontKind } = await load();
    const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
    expect(fontKind(bytes('wOFFrest'))).toBe('woff');
    expect(fontKind(bytes('wOF2rest'))).toBe('woff2');
    expect(fontKind(bytes('OTTOrest'))).toBe('otf');
    expect(fontKind(bytes('\x00\x01\x00\x00rest'))).toBe('ttf');
    expect(fontKind(bytes('<svg'))).toBeUndefined();
  });
});
