import { describe, expect, it, vi } from 'vitest';

// Hides the optional CJK package, as on a site that did not install it.
const hidden = vi.hoisted(() => ({ cjk: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    existsSync: (path: Parameters<typeof fs.existsSync>[0]) =>
      hidden.cjk && String(path).includes('noto-sans-sc') ? false : fs.existsSync(path),
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
    hidden.cjk = true;
    const { fontsFor } = await load();
    expect(() => fontsFor('東京の夜')).toThrow(
      /needs the CJK font package @fontsource\/noto-sans-sc, and it is not installed/,
    );
    // Titles without CJK do not need it, nor does a site with a font of its own.
    expect(fontsFor('Tokyo at night').length).toBe(1);
    expect(fontsFor('東京の夜', new Uint8Array([0x77, 0x4f, 0x46, 0x46]))[0]?.name).toBe(
      'User font',
    );
    hidden.cjk = false;
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
