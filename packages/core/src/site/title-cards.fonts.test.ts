import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeSiteForEachTest, writeSiteFiles } from '../testing/fake-site.test-support.js';
import type { FakeOpenRouter } from '../testing/index.js';
import type { HeadersEvent } from './build-headers.js';

// Hides the optional Chinese, Japanese and Korean font packages, as on a site that installed
// none (`fonts`), or the Traditional Chinese one alone (`traditional`).
const hidden = vi.hoisted(() => ({ fonts: false, traditional: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const isHidden = (path: string) =>
    (hidden.fonts && /noto-sans-(sc|kr|jp|tc|hk)/.test(path)) ||
    (hidden.traditional && path.includes('noto-sans-tc'));
  return {
    ...fs,
    existsSync: (path: Parameters<typeof fs.existsSync>[0]) =>
      isHidden(String(path)) ? false : fs.existsSync(path),
  };
});

const KEY = 'sk-or-v1-test-sentinel-card-fonts';
let fake: FakeOpenRouter;
let root: string;

fakeSiteForEachTest(KEY, 'hf-card-fonts-', (made) => {
  ({ fake, root } = made);
});
beforeEach(async () => {
  const post = (title: string, prompt: string) =>
    `---\ntitle: ${JSON.stringify(title)}\nheader:\n  prompt: ${prompt}\n---\nBody.\n`;
  await writeSiteFiles(root, {
    'src/content/blog/lighthouse.md': post('The lighthouse keeper', 'A lighthouse, watercolour'),
    'src/content/blog/tokyo.md': post('東京の夜景と桜', 'Tokyo at night, watercolour'),
    'src/content/blog/seoul.md': post('서울의 밤 풍경', 'Seoul at night, watercolour'),
  });
});
afterEach(async () => {
  hidden.fonts = false;
  hidden.traditional = false;
});

/**
 * A build with title cards, by a freshly loaded headerforge: the font packages are looked
 * up once per process, so a package installed since is seen by a new process only.
 */
async function build(lang?: string) {
  vi.resetModules();
  const { buildHeaders } = await import('./build-headers.js');
  const events: HeadersEvent[] = [];
  const result = await buildHeaders({
    root,
    options: {
      widths: [320],
      formats: ['webp'],
      og: { siteName: 'Field notes', ...(lang ? { lang } : {}) },
    },
    env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL },
    onEvent: (event) => events.push(event),
  });
  const byPost = new Map(
    result.headers.map((header) => [header.job.file.split('/').pop(), header]),
  );
  const warnings = events.flatMap((event) =>
    event.type === 'warning' && event.message.startsWith('social cards:') ? [event.message] : [],
  );
  return { result, byPost, warnings };
}

describe('a title the installed fonts cannot draw', () => {
  it('gets the crop for its card and one warning per build, never a failure; installing the font draws its card with no request', async () => {
    hidden.fonts = true;
    const cold = await build();
    expect(cold.result.failures).toEqual([]);
    expect(fake.generations()).toHaveLength(3);
    for (const post of ['tokyo.md', 'seoul.md']) {
      const header = cold.byPost.get(post);
      expect(header?.cards).toBeUndefined();
      expect(header?.derived.og).toMatchObject({ width: 1200, height: 630 });
      expect(await sharp(header?.derived.og?.file).metadata()).toMatchObject({
        width: 1200,
        height: 630,
      });
    }
    // The other post's card is a title card as usual.
    expect(cold.byPost.get('lighthouse.md')?.cards).toHaveLength(1);
    expect(cold.warnings).toEqual([
      "social cards: 2 posts have the header's crop instead of a title card (src/content/blog/seoul.md, src/content/blog/tokyo.md); their titles need fonts that are not installed: npm install @fontsource/noto-sans-jp @fontsource/noto-sans-kr",
    ]);

    // A warm build says it again (the posts are looked up, not recalled whole).
    fake.reset();
    const warm = await build();
    expect(fake.requests).toHaveLength(0);
    expect(warm.warnings).toHaveLength(1);
    expect(warm.byPost.get('tokyo.md')?.cards).toBeUndefined();

    // Installed: the next build draws both title cards from the cached images.
    hidden.fonts = false;
    const installed = await build();
    expect(fake.requests).toHaveLength(0);
    expect(installed.result.failures).toEqual([]);
    expect(installed.warnings).toEqual([]);
    for (const post of ['tokyo.md', 'seoul.md']) {
      const header = installed.byPost.get(post);
      expect(header?.cards).toHaveLength(1);
      // The set without the crop card: the title card replaces it.
      expect(header?.derived.og).toBeUndefined();
    }
  });

  it("gets the crop when the site's language asks for a Han face that is not installed", async () => {
    hidden.traditional = true;
    await writeFile(
      join(root, 'src/content/blog/taipei.md'),
      '---\ntitle: "臺北的夜景"\nheader:\n  prompt: Taipei at night, watercolour\n---\nBody.\n',
    );
    const { result, byPost, warnings } = await build('zh-TW');
    expect(result.failures).toEqual([]);
    // Noto Sans SC would draw it, in the mainland's forms: not what the site asked for.
    expect(byPost.get('taipei.md')?.cards).toBeUndefined();
    expect(byPost.get('taipei.md')?.derived.og).toMatchObject({ width: 1200, height: 630 });
    // Latin and Korean titles need no Traditional Chinese face.
    expect(byPost.get('lighthouse.md')?.cards).toHaveLength(1);
    expect(byPost.get('seoul.md')?.cards).toHaveLength(1);
    expect(warnings).toEqual([
      "social cards: 2 posts have the header's crop instead of a title card (src/content/blog/taipei.md, src/content/blog/tokyo.md); their titles need fonts that are not installed: npm install @fontsource/noto-sans-tc",
    ]);
    hidden.traditional = false;
    const installed = await build('zh-TW');
    expect(installed.warnings).toEqual([]);
    expect(installed.byPost.get('taipei.md')?.cards).toHaveLength(1);
  });

  it('names the characters no bundled font draws, and draws the other posts', async () => {
    await writeFile(
      join(root, 'src/content/blog/dhaka.md'),
      '---\ntitle: "ঢাকার রাত"\nheader:\n  prompt: Dhaka at night, watercolour\n---\nBody.\n',
    );
    const { result, byPost, warnings } = await build();
    expect(result.failures).toEqual([]);
    expect(byPost.get('dhaka.md')?.cards).toBeUndefined();
    expect(byPost.get('dhaka.md')?.derived.og).toMatchObject({ width: 1200, height: 630 });
    for (const post of ['lighthouse.md', 'tokyo.md', 'seoul.md'])
      expect(byPost.get(post)?.cards).toHaveLength(1);
    expect(warnings).toEqual([
      'social cards: 1 post has the header\'s crop instead of a title card (src/content/blog/dhaka.md); no bundled font draws "ঢ" "া" "ক" "র" "ত": give a font that does with the og.font option',
    ]);
  });
});
