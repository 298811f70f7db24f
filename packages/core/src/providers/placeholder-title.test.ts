import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Hides the optional CJK, Korean, Japanese and Traditional Chinese (Taiwan's, Hong Kong's)
// font packages, as on a site that installed none.
const hidden = vi.hoisted(() => ({ fonts: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    existsSync: (path: Parameters<typeof fs.existsSync>[0]) =>
      hidden.fonts && /noto-sans-(sc|kr|jp|tc|hk)/.test(String(path)) ? false : fs.existsSync(path),
  };
});

afterEach(() => {
  hidden.fonts = false;
});

/** Fresh modules: the font packages are looked up once per process. */
const load = async () => {
  vi.resetModules();
  return {
    ...(await import('./placeholder-art.js')),
    ...(await import('./placeholder-title.js')),
  };
};

const request = {
  prompt: 'Taipei at night, watercolour',
  aspectRatio: '16:9',
  imageSize: '1K',
} as const;

describe('systemFontsDraw', () => {
  it("trusts the machine's fonts with Latin, Greek and Cyrillic only", async () => {
    const { systemFontsDraw } = await load();
    for (const text of [
      'The lighthouse',
      'Crème brûlée in Łódź',
      'Ελλάδα',
      'Москва',
      '“Quotes” – 5 €™',
    ])
      expect(systemFontsDraw(text), text).toBe(true);
    for (const text of [
      '臺北',
      '東京の夜',
      '서울',
      'مرحبا',
      'שלום',
      'สวัสดี',
      'हिन्दी',
      'Launch 🚀',
      '、',
    ])
      expect(systemFontsDraw(text), text).toBe(false);
  });
});

describe('a placeholder title the bundled fonts cannot draw', () => {
  it("gives way to the prompt's excerpt, never boxes", async () => {
    hidden.fonts = true;
    const { renderPlaceholderArt, textRenders } = await load();
    const untitled = await renderPlaceholderArt(request);
    const chinese = await renderPlaceholderArt({ ...request, title: '臺北的夜景' });
    // The excerpt is what a post without a title gets: the very same bytes.
    expect(Buffer.from(chinese.bytes).equals(Buffer.from(untitled.bytes))).toBe(true);
    // Installed, the title is drawn instead.
    hidden.fonts = false;
    const installed = await (await load()).renderPlaceholderArt({
      ...request,
      title: '臺北的夜景',
    });
    expect(Buffer.from(installed.bytes).equals(Buffer.from(untitled.bytes))).toBe(
      !(await textRenders()),
    );
    expect((await sharp(installed.bytes).metadata()).width).toBe(1344);
  });
});
