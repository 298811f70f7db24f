import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeSiteForEachTest, writeSiteFiles } from '../testing/fake-site.test-support.js';
import type { FakeOpenRouter } from '../testing/index.js';
import { type BuildHeadersInput, buildHeaders } from './build-headers.js';
import { hostSiteContext, siteNameOf } from './card-options.js';
import { resolveOptions } from './options.js';

const KEY = 'sk-or-v1-test-sentinel-cards';
let fake: FakeOpenRouter;
let root: string;

fakeSiteForEachTest(KEY, 'hf-cards-', (made) => {
  ({ fake, root } = made);
});
beforeEach(async () => {
  await site({
    'src/content/blog/lighthouse.md': post('The lighthouse keeper’s long winter'),
  });
});

const post = (title: string, og = '') =>
  `---\ntitle: ${JSON.stringify(title)}\nheader:\n  prompt: A lighthouse at dusk, watercolour\n${og}---\nBody.\n`;

const site = (files: Record<string, string | Uint8Array>) => writeSiteFiles(root, files);

async function build(og: unknown, input: Partial<BuildHeadersInput> = {}) {
  return buildHeaders({
    root,
    options: { widths: [320], formats: ['webp' as const], og } as never,
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
    ...input,
  });
}

/** Every file under a folder, relative, with its modification time. */
async function filesUnder(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    () => [],
  )) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    found.set(file.slice(dir.length), (await stat(file)).mtimeMs);
  }
  return found;
}

const cardsDir = () => join(root, 'node_modules/.cache/headerforge/cards');
const derivedDir = () => join(root, 'node_modules/.cache/headerforge/derived');

describe('title cards in a build', () => {
  it('makes a 1200×630 title card and the sizes asked for, instead of the crop', async () => {
    const result = await build({ siteName: 'Field notes', sizes: ['1080x1080'] });
    expect(result.failures).toEqual([]);
    const [header] = result.headers;
    expect(header?.derived.og).toBeUndefined();
    expect(header?.cards?.map(({ width, height }) => [width, height])).toEqual([
      [1200, 630],
      [1080, 1080],
    ]);
    for (const card of header?.cards ?? []) {
      const meta = await sharp(card.file).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([card.width, card.height, 'jpeg']);
      expect(card.file.startsWith(cardsDir())).toBe(true);
    }
  });

  it('re-renders only the card when the title changes: 0 requests, the derived set untouched', async () => {
    await build({});
    expect(fake.generations()).toHaveLength(1);
    const setsBefore = await filesUnder(derivedDir());
    const cardsBefore = await filesUnder(cardsDir());
    expect(cardsBefore.size).toBe(1);
    fake.reset();

    await site({ 'src/content/blog/lighthouse.md': post('A shorter title') });
    const result = await build({});
    expect(fake.requests).toHaveLength(0);
    expect(result.summary).toMatchObject({ cached: 1, generated: 0 });
    expect(await filesUnder(derivedDir())).toEqual(setsBefore);
    const cardsAfter = await filesUnder(cardsDir());
    // One new card beside the old one; the old one is not rewritten.
    expect(cardsAfter.size).toBe(2);
    for (const [file, mtime] of cardsBefore) expect(cardsAfter.get(file)).toBe(mtime);
    expect(result.headers[0]?.cards?.[0]?.file).not.toBe([...cardsBefore.keys()][0]);
  });

  it("gives a renamed post its card from the old name's file, without drawing it", async () => {
    await build({});
    const [card] = [...(await filesUnder(cardsDir())).keys()];
    expect(card).toMatch(/lighthouse-og\.jpg$/);
    // A stand-in for the drawn card: what the renamed post gets shows whether it was copied.
    await writeFile(join(cardsDir(), card as string), 'copied, not drawn');
    await rm(join(root, 'src/content/blog/lighthouse.md'));
    await site({ 'src/content/blog/beacon.md': post('The lighthouse keeper’s long winter') });
    const [header] = (await build({})).headers;
    const file = header?.cards?.[0]?.file as string;
    expect(file).toMatch(/beacon-og\.jpg$/);
    expect(basename(dirname(file))).toBe(basename(dirname(card as string)));
    expect(await readFile(file, 'utf8')).toBe('copied, not drawn');
  });

  it('draws nothing on a warm build', async () => {
    await build({});
    const before = await filesUnder(cardsDir());
    fake.reset();
    const result = await build({});
    expect(fake.requests).toHaveLength(0);
    expect(await filesUnder(cardsDir())).toEqual(before);
    expect(result.headers[0]?.cards).toHaveLength(1);
  });

  it('takes a post’s own og: a shorter title, the crop, or no card', async () => {
    await site({
      'src/content/blog/short.md': post(
        'A very long title that the card would have to shrink',
        '  og:\n    title: Short\n',
      ),
      'src/content/blog/crop.md': post('Cropped', '  og: true\n'),
      'src/content/blog/none.md': post('No card', '  og: false\n'),
    });
    const result = await build({});
    const byFile = new Map(
      result.headers.map((header) => [header.job.file.split('/').pop(), header]),
    );
    expect(byFile.get('short.md')?.job.og).toEqual({ title: 'Short' });
    expect(byFile.get('short.md')?.cards).toHaveLength(1);
    expect(byFile.get('crop.md')?.cards).toBeUndefined();
    expect(byFile.get('crop.md')?.derived.og).toMatchObject({ width: 1200, height: 630 });
    expect(byFile.get('none.md')?.cards).toBeUndefined();
    expect(byFile.get('none.md')?.derived.og).toBeUndefined();
    // A different title on a card of the same picture is another card.
    expect(byFile.get('short.md')?.cards?.[0]?.file).not.toBe(
      byFile.get('lighthouse.md')?.cards?.[0]?.file,
    );
  });

  it('draws each card in its language: the site’s og.lang, or the post’s own', async () => {
    await site({
      'src/content/blog/lighthouse.md': post('燈塔守護者的冬天'),
      'src/content/blog/tokyo.md': post('燈塔守護者的冬天', '  og:\n    lang: JA\n'),
    });
    const byFile = async (og: unknown) =>
      new Map(
        (await build(og)).headers.map((header) => [
          header.job.file.split('/').pop(),
          header.cards?.[0]?.file,
        ]),
      );
    const guessed = await byFile({});
    const traditional = await byFile({ lang: 'zh-tw' });
    // The language names other cards (in other glyphs' forms); the post's own wins.
    expect(traditional.get('lighthouse.md')).not.toBe(guessed.get('lighthouse.md'));
    expect(traditional.get('tokyo.md')).not.toBe(traditional.get('lighthouse.md'));
    // The same title and picture in Japanese, whether the post or the site says so: one key
    // (the card's folder), each post's file named after it.
    const keyOf = (file: string | undefined) => file && basename(dirname(file));
    expect(keyOf((await byFile({ lang: 'ja' })).get('lighthouse.md'))).toBe(
      keyOf(traditional.get('tokyo.md')),
    );
    const pixels = async (file: string | undefined) =>
      sharp(file).extract({ left: 0, top: 315, width: 1200, height: 315 }).raw().toBuffer();
    // 燈, 護 and 冬 differ between the Taiwanese and the mainland forms: the text's pixels do.
    expect(
      (await pixels(traditional.get('lighthouse.md'))).equals(
        await pixels(guessed.get('lighthouse.md')),
      ),
    ).toBe(false);
    // Canonical tags: `zh-tw` and `zh-TW` are one language, and name the same cards.
    expect(await byFile({ lang: 'zh-TW' })).toEqual(traditional);
    // One picture (the posts share their prompt), paid once: a language is the cards' alone.
    expect(fake.generations()).toHaveLength(1);
  });

  it("draws a post in a locale's folder in that locale's language, unless it or og.lang names one", async () => {
    const title = '燈塔守護者的冬天';
    await site({
      'src/content/blog/lighthouse.md': post(title),
      'src/content/blog/tokyo.md': post(title, '  og:\n    lang: ja\n'),
      'src/content/blog/ja/winter.md': post(title),
      'src/content/blog/zh-tw/winter.md': post(title),
      'src/content/blog/zh-tw/tokyo.md': post(title, '  og:\n    lang: ja\n'),
    });
    // Astro's i18n, as the integration and the command read it.
    const astro = hostSiteContext({
      i18n: { defaultLocale: 'en', locales: ['en', 'ja', { path: 'zh-tw', codes: ['zh-TW'] }] },
    });
    const keys = async (og: unknown) =>
      new Map(
        (await build(og, astro)).headers.map((header) => [
          header.job.file.replace('src/content/blog/', ''),
          header.cards?.[0]?.file && basename(dirname(header.cards[0].file)),
        ]),
      );
    const cards = await keys({});
    const japanese = cards.get('tokyo.md');
    expect(cards.get('ja/winter.md')).toBe(japanese);
    expect(cards.get('zh-tw/tokyo.md')).toBe(japanese);
    const traditional = cards.get('zh-tw/winter.md');
    expect(traditional).not.toBe(japanese);
    // A post in no locale's folder keeps the site's language (here none: the guess).
    expect(cards.get('lighthouse.md')).not.toBe(japanese);
    expect(cards.get('lighthouse.md')).not.toBe(traditional);
    // The same language said in og.lang: the folder of Taiwan's no longer decides.
    const taiwan = await keys({ lang: 'zh-TW' });
    expect(taiwan.get('lighthouse.md')).toBe(traditional);
    expect(taiwan.get('ja/winter.md')).toBe(traditional);
    expect(taiwan.get('tokyo.md')).toBe(japanese);
    expect(fake.generations()).toHaveLength(1);
  });

  it('keeps today’s crop with og: true', async () => {
    const result = await build(true);
    expect(result.headers[0]?.cards).toBeUndefined();
    expect(result.headers[0]?.derived.og).toMatchObject({ width: 1200, height: 630 });
  });

  it('marks the title card of placeholder art', async () => {
    const result = await build({}, { env: { HEADERFORGE_MODE: 'placeholder' } });
    expect(result.headers[0]?.placeholder).toBe(true);
    const card = result.headers[0]?.cards?.[0];
    expect(card).toBeDefined();
    // The red PLACEHOLDER badge, top right.
    const { data, info } = await sharp(card?.file)
      .extract({ left: 950, top: 10, width: 240, height: 70 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    let red = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if ((data[i] as number) > 150 && (data[i + 1] as number) < 80) red++;
    }
    expect(red).toBeGreaterThan(500);
  });

  it('keys the card by the font’s and logo’s bytes', async () => {
    const logo = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#ff0000' },
    })
      .png()
      .toBuffer();
    await site({ 'brand/logo.png': logo });
    const first = (await build({ logo: 'brand/logo.png' })).headers[0]?.cards?.[0]?.file;
    await site({
      'brand/logo.png': await sharp({
        create: { width: 64, height: 64, channels: 3, background: '#00ff00' },
      })
        .png()
        .toBuffer(),
    });
    const second = (await build({ logo: 'brand/logo.png' })).headers[0]?.cards?.[0]?.file;
    expect(second).not.toBe(first);
    expect(fake.generations()).toHaveLength(1);
  });

  it('names og.font and its file when the renderer cannot read the font, and keeps the paid image', async () => {
    // A TrueType header, then half of a real font: it passes the check by its first bytes.
    const real = await readFile(fontFile());
    const broken = Buffer.concat([Buffer.from([0, 1, 0, 0]), real.subarray(4, 200)]);
    await site({ 'fonts/broken.ttf': broken });
    const result = await build({ font: 'fonts/broken.ttf' });
    expect(result.headers).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      file: 'src/content/blog/lighthouse.md',
      code: 'invalid_option',
      message: expect.stringMatching(
        /^Invalid headerforge option "og\.font": the card renderer cannot read .*fonts\/broken\.ttf: \S/,
      ),
      hint: expect.stringMatching(/TTF, OTF or WOFF/),
    });
    // The image was paid for and kept: the build after the font is mended asks for nothing.
    expect(fake.generations()).toHaveLength(1);
    await site({ 'fonts/broken.ttf': real });
    const mended = await build({ font: 'fonts/broken.ttf' });
    expect(mended.failures).toEqual([]);
    expect(mended.headers[0]?.cards).toHaveLength(1);
    expect(fake.generations()).toHaveLength(1);
  });

  it('names og.logo and its file when the renderer cannot draw the logo, PNG or SVG', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    await site({
      // A PNG's signature and header, then nothing: it passes the check by its first bytes.
      'brand/cut.png': png.subarray(0, 40),
      'brand/cut.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect',
    });
    for (const [logo, why] of [
      ['brand/cut.png', /cannot draw .*brand\/cut\.png: \S/],
      ['brand/cut.svg', /cannot draw .*brand\/cut\.svg: \S/],
    ] as const) {
      const result = await build({ logo });
      expect(result.failures).toHaveLength(1);
      expect(result.failures[0]).toMatchObject({
        code: 'invalid_option',
        message: expect.stringMatching(/^Invalid headerforge option "og\.logo": /),
        hint: expect.stringMatching(/PNG, JPEG or SVG/),
      });
      expect(result.failures[0]?.message).toMatch(why);
    }
    expect(fake.generations()).toHaveLength(1);
  });
});

describe('the og option', () => {
  const resolve = (og: unknown) => () => resolveOptions({ og }, { root });

  it('resolves the defaults of a title card', () => {
    expect(resolveOptions({ og: {} }, { root }).og).toEqual({
      layout: 'bottom-left',
      overlay: 0.55,
      sizes: [{ width: 1200, height: 630 }],
    });
    expect(resolveOptions({ og: { title: false } }, { root }).og).toBe(true);
    expect(resolveOptions({ og: true }, { root }).og).toBe(true);
    expect(resolveOptions({ og: false }, { root }).og).toBe(false);
  });

  it('makes a title card by default, with the site name the host gives', () => {
    expect(resolveOptions({}, { root }).og).toEqual({
      layout: 'bottom-left',
      overlay: 0.55,
      sizes: [{ width: 1200, height: 630 }],
    });
    const named = (options: object) =>
      resolveOptions(options, { root, siteName: 'blog.example.com' }).og;
    expect(named({})).toMatchObject({ siteName: 'blog.example.com' });
    expect(named({ og: { siteName: 'My Blog' } })).toMatchObject({ siteName: 'My Blog' });
    expect(named({ og: true })).toBe(true);
  });

  it("takes the cards' language from the host when og.lang does not give one", () => {
    const inJapanese = (options: object) => resolveOptions(options, { root, lang: 'ja' }).og;
    expect(inJapanese({})).toMatchObject({ lang: 'ja' });
    expect(inJapanese({ og: { lang: 'zh-TW' } })).toMatchObject({ lang: 'zh-TW' });
    expect(inJapanese({ og: true })).toBe(true);
  });

  it("keeps the host's locale folders for the cards unless og.lang gives every card's language", () => {
    const locales = [{ folder: 'ja', lang: 'ja' }];
    const resolve = (options: object) => resolveOptions(options, { root, locales }).og;
    expect(resolve({})).toMatchObject({ locales });
    expect(resolve({ og: { lang: 'zh-TW' } })).not.toHaveProperty('locales');
    expect(resolve({ og: true })).toBe(true);
  });

  it("takes a site's name from its URL's host", () => {
    expect(siteNameOf('https://www.example.com/blog/')).toBe('example.com');
    expect(siteNameOf(new URL('https://blog.example.com'))).toBe('blog.example.com');
    expect(siteNameOf('http://localhost:4321')).toBeUndefined();
    expect(siteNameOf('not a url')).toBeUndefined();
    expect(siteNameOf(undefined)).toBeUndefined();
  });

  it('names the option of a missing font file', () => {
    expect(resolve({ font: 'fonts/missing.ttf' })).toThrow(
      /option "og\.font": "fonts\/missing\.ttf" is not a file/,
    );
  });

  it('refuses a font that is not one, and WOFF2', async () => {
    await site({ 'fonts/readme.ttf': 'not a font', 'fonts/x.woff2': 'wOF2rest' });
    expect(resolve({ font: 'fonts/readme.ttf' })).toThrow(
      /option "og\.font": "fonts\/readme\.ttf" is not a font file/,
    );
    expect(resolve({ font: 'fonts/x.woff2' })).toThrow(/"og\.font".*WOFF2/);
  });

  it('names the option of a logo that is not an image', async () => {
    await site({ 'brand/logo.png': 'plain text, not a PNG' });
    expect(resolve({ logo: 'brand/logo.png' })).toThrow(
      /option "og\.logo": "brand\/logo\.png" is not an image the card can draw/,
    );
  });

  it('refuses font and logo paths that leave the site, as references', async () => {
    expect(resolve({ logo: '../logo.png' })).toThrow(/option "og\.logo".*outside the project root/);
    const outside = await mkdtemp(join(tmpdir(), 'hf-outside-'));
    await writeFile(join(outside, 'f.ttf'), await readFile(fontFile()));
    await symlink(join(outside, 'f.ttf'), join(root, 'linked.ttf'));
    expect(resolve({ font: 'linked.ttf' })).toThrow(/option "og\.font".*through a symlink/);
    await rm(outside, { recursive: true, force: true });
  });

  it('names the field of a bad og object', () => {
    expect(resolve({ layout: 'diagonal' })).toThrow(
      /option "og\.layout": expected one of bottom-left, top-left, center, got "diagonal"/,
    );
    expect(resolve({ sizes: ['big'] })).toThrow(/option "og\.sizes"/);
    expect(resolve({ overlay: 2 })).toThrow(/option "og\.overlay"/);
    expect(resolve({ lang: 'zh_TW' })).toThrow(
      /option "og\.lang": expected a BCP 47 language tag such as "ja", "zh-TW" or "zh-Hans", got "zh_TW"/,
    );
  });

  it('keeps og.lang in its canonical case', () => {
    expect(resolveOptions({ og: { lang: 'zh-hant-tw' } }, { root }).og).toMatchObject({
      lang: 'zh-Hant-TW',
    });
    expect(resolveOptions({ og: {} }, { root }).og).not.toHaveProperty('lang');
  });
});

/** A real WOFF from the bundled fonts, as a user's font would be. */
function fontFile(): string {
  return join(
    dirname(createRequire(import.meta.url).resolve('@fontsource/noto-sans/package.json')),
    'files/noto-sans-latin-700-normal.woff',
  );
}
