import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { copyFixture, exists, listFiles } from './support/fixtures.js';

// Astro builds under vitest need NODE_ENV unset (vitest sets it to "test"), and they run
// one at a time within this file, each on its own copy of the fixture.
const SENTINEL = 'sk-or-v1-test-sentinel-astro-blog-0123456789';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;
const savedNodeEnv = process.env.NODE_ENV;

beforeAll(async () => {
  delete process.env.NODE_ENV;
  fake = await startFakeOpenRouter({ apiKey: SENTINEL });
  site = await copyFixture('astro-blog', {
    env: { OPENROUTER_API_KEY: SENTINEL, OPENROUTER_BASE_URL: fake.baseURL },
  });
});
afterAll(async () => {
  process.env.NODE_ENV = savedNodeEnv;
  await fake.close();
  await site.remove();
});

async function astroBuild() {
  const { build } = await import('astro');
  await build({ root: site.dir, logLevel: 'error' });
  return join(site.dir, 'dist');
}

const page = (dist: string, slug: string) =>
  readFile(join(dist, 'blog', slug, 'index.html'), 'utf8');

describe('fixtures/astro-blog', () => {
  it('astro sync does no headerforge work, but the types are there', {
    timeout: 120_000,
  }, async () => {
    const { sync } = await import('astro');
    await sync({ root: site.dir, logLevel: 'error' });
    expect(fake.requests).toHaveLength(0);
    expect(await exists(join(site.dir, '.headerforge'))).toBe(false);
    const types = (await listFiles(join(site.dir, '.astro'))).filter((file) =>
      file.includes('headerforge'),
    );
    expect(types.length).toBeGreaterThan(0);
    const declared = await Promise.all(
      types.map((file) => readFile(join(site.dir, '.astro', file), 'utf8')),
    );
    expect(declared.join('\n')).toContain("declare module 'virtual:headerforge'");
  });

  it('builds md and mdx posts with <Picture> heroes, blur placeholders and absolute social cards', {
    timeout: 180_000,
  }, async () => {
    const dist = await astroBuild();
    const prompts = fake.generations().map((r) => r.prompt);
    expect(prompts).toHaveLength(4);
    expect(
      prompts.every((prompt) =>
        prompt?.startsWith('Editorial illustration, soft light, no text.\n\n'),
      ),
    ).toBe(true);

    for (const slug of ['lighthouse', 'deep-sea', 'mountains']) {
      const html = await page(dist, slug);
      expect(html).toMatch(
        /<picture><source srcset="[^"]+\.avif 640w, [^"]+\.avif 960w, [^"]+\.avif 1280w" type="image\/avif"/,
      );
      expect(html).toMatch(/<source srcset="[^"]+\.webp 640w[^"]*" type="image\/webp"/);
      expect(html).toMatch(/<img src="\/_astro\/[^"]+\.jpg"[^>]* alt="[^"]+"/);
      expect(html).toMatch(
        /style="background: #[0-9a-f]{6} url\(data:image\/webp;base64,[^)]+\) center \/ cover no-repeat"/,
      );
      expect(html).toMatch(/width="1344" height="756"/);

      // The default social card: a title card, the post's title over its header.
      const og =
        /<meta property="og:image" content="https:\/\/blog\.example\.com\/(_astro\/[\w.-]+\.jpg)">/.exec(
          html,
        )?.[1];
      expect(og, `og:image on ${slug}`).toBeDefined();
      expect(og).not.toMatch(/^_astro\/og\./);
      // Named after its post, as the header's own files are: a shared link's image says what it is.
      expect(og).toMatch(new RegExp(`^_astro/${slug}-og\\.[\\w-]+\\.jpg$`));
      const card = await sharp(join(dist, og as string)).metadata();
      expect([card.width, card.height]).toEqual([1200, 630]);
      expect(html).toContain(
        `<meta name="twitter:image" content="https://blog.example.com/${og}">`,
      );
      // The alt text says what the card shows: the post's title over its picture.
      const title = /<meta property="og:title" content="([^"]+)">/.exec(html)?.[1] as string;
      expect(html).toContain(`<meta property="og:image:alt" content="${title}, over `);
      expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    }
    expect(await page(dist, 'deep-sea')).toContain(
      'alt="Glowing jellyfish drifting in the deep sea"',
    );
    expect(await page(dist, 'deep-sea')).toContain('<strong>MDX</strong>');
    const index = await readFile(join(dist, 'index.html'), 'utf8');
    expect(index.match(/<picture>/g)).toHaveLength(3);

    // <Picture> makes the widths and formats: headerforge derives no variants of its own,
    // only the master and the manifest; the title cards are files of their own.
    const derived = join(site.dir, 'node_modules', '.cache', 'headerforge', 'derived');
    const perSet = new Map<string, string[]>();
    for (const file of await listFiles(derived)) {
      const [shard, key, name] = file.split(/[\\/]/);
      if (!shard || !key || !name) continue; // the warm index, beside the sets
      perSet.set(key, [...(perSet.get(key) ?? []), name]);
    }
    expect(perSet.size).toBeGreaterThanOrEqual(4);
    // Each master is named after its post, so Astro names what it makes after it too.
    const masters = new Set<string>();
    for (const [key, names] of perSet) {
      const master = names.filter((name) => name !== 'manifest.json');
      expect([names.length, master.length], `derived set ${key}: ${names}`).toEqual([2, 1]);
      masters.add(master[0] as string);
    }
    const posts = ['deep-sea.png', 'field-notes.png', 'lighthouse.png', 'mountains.png'];
    for (const master of masters) expect(posts).toContain(master);
    expect(masters).toContain('lighthouse.png');
    expect(masters).toContain('field-notes.png');
    const cards = await listFiles(join(site.dir, 'node_modules/.cache/headerforge/cards'));
    expect(cards.filter((file) => file.endsWith('.jpg')).length).toBeGreaterThanOrEqual(3);
    // The master (quickly compressed: Astro re-encodes it) stays in the cache.
    expect((await listFiles(dist)).filter((file) => file.endsWith('.png'))).toEqual([]);
  });

  it('fills an image() hero field through headerforgeLoader, so a template-style page needs no change', async () => {
    const html = await readFile(
      join(site.dir, 'dist', 'notes', 'field-notes', 'index.html'),
      'utf8',
    );
    const src =
      /<img src="\/(_astro\/field-notes\.[\w-]+\.webp)"[^>]* width="1020" height="574"/.exec(
        html,
      )?.[1];
    expect(src, html).toBeDefined();
    const meta = await sharp(join(site.dir, 'dist', src as string)).metadata();
    expect([meta.width, meta.height]).toEqual([1020, 574]);
  });

  it('a second build makes zero requests', { timeout: 180_000 }, async () => {
    fake.reset();
    await astroBuild();
    expect(fake.requests).toHaveLength(0);
  });

  it('sends the brand references with every prompt, and pays for every candidate of the post that has three', async () => {
    // The first build's requests (before the zero-request rebuild reset the fake) are gone;
    // the cache says what was paid for.
    const sidecars = (await listFiles(join(site.dir, '.headerforge')))
      .filter((file) => /^[0-9a-f]{2}\/[0-9a-f]{64}\.json$/.test(file))
      .map((file) => join(site.dir, '.headerforge', file));
    const entries = await Promise.all(
      sidecars.map(async (file) => JSON.parse(await readFile(file, 'utf8'))),
    );
    // Four entries, one per prompt; the post with three candidates keeps them in one.
    expect(entries).toHaveLength(4);
    expect(entries.every((entry) => entry.references?.length === 2)).toBe(true);
    const mountains = entries.find((entry) => entry.prompt.includes('Mountain ridge'));
    expect(mountains.candidates.map((c: { candidate: number }) => c.candidate)).toEqual([2, 3]);
  });

  it('a new pick shows another candidate with zero requests, and leaves the other posts alone', {
    timeout: 180_000,
  }, async () => {
    const post = join(site.dir, 'src', 'content', 'blog', 'mountains.md');
    const before = await page(join(site.dir, 'dist'), 'mountains');
    const other = await page(join(site.dir, 'dist'), 'lighthouse');
    await writeFile(post, (await readFile(post, 'utf8')).replace('pick: 2', 'pick: 3'));
    fake.reset();
    const dist = await astroBuild();
    expect(fake.requests).toHaveLength(0);
    const heroOf = (html: string) => /<img src="([^"]+)"/.exec(html)?.[1];
    expect(heroOf(await page(dist, 'mountains'))).not.toBe(heroOf(before));
    expect(await page(dist, 'lighthouse')).toBe(other);
  });

  it('headerforge generate on the Astro site derives what its build does: no variants of its own', {
    timeout: 120_000,
  }, async () => {
    const derived = join(site.dir, 'node_modules', '.cache', 'headerforge', 'derived');
    const before = (await listFiles(derived)).sort();
    fake.reset();
    const run = await runHeaderforge(['generate', '--json', '--root', site.dir], {
      OPENROUTER_API_KEY: SENTINEL,
      OPENROUTER_BASE_URL: fake.baseURL,
    });
    expect(run.code).toBe(0);
    expect(fake.generations()).toHaveLength(0);
    expect((await listFiles(derived)).sort()).toEqual(before);
  });

  it("names the title cards after Astro's site URL, draws them in its default locale, and gives the crop with og: true, with zero requests", {
    timeout: 300_000,
  }, async () => {
    const config = join(site.dir, 'astro.config.mjs');
    const source = await readFile(config, 'utf8');
    const cardsDir = join(site.dir, 'node_modules/.cache/headerforge/cards');
    const drawn = (await listFiles(cardsDir)).sort();
    const withOg = (og: string) =>
      writeFile(config, source.replace('headerforge({', `headerforge({\n      og: ${og},`));
    fake.reset();
    try {
      // The site name the cards were drawn with is the host of `site`: said outright, it
      // names the very same cards, and none is drawn.
      await withOg("{ siteName: 'blog.example.com' }");
      await astroBuild();
      expect((await listFiles(cardsDir)).sort()).toEqual(drawn);
      // Another name is another card.
      await withOg("{ siteName: 'Example blog' }");
      await astroBuild();
      expect((await listFiles(cardsDir)).length).toBeGreaterThan(drawn.length);

      // Astro's default locale is the cards' language when it decides the forms of Han
      // characters: in Japanese, each card is another (drawn, not paid for). The command
      // takes the same language: the Japanese cards removed, it draws them again.
      const before = await listFiles(cardsDir);
      await writeFile(
        config,
        source.replace(
          'integrations: [',
          "i18n: { defaultLocale: 'ja', locales: ['ja'] },\n  integrations: [",
        ),
      );
      await astroBuild();
      const japanese = (await listFiles(cardsDir)).sort();
      const drawnInJapanese = japanese.filter((file) => !before.includes(file));
      expect(drawnInJapanese.length).toBeGreaterThan(0);
      for (const file of drawnInJapanese) await rm(join(cardsDir, file));
      const run = await runHeaderforge(['generate', '--json', '--root', site.dir], {
        OPENROUTER_API_KEY: SENTINEL,
        OPENROUTER_BASE_URL: fake.baseURL,
      });
      expect(run.code).toBe(0);
      expect((await listFiles(cardsDir)).sort()).toEqual(japanese);

      await withOg('true');
      const dist = await astroBuild();
      expect(fake.requests).toHaveLength(0);
      const html = await page(dist, 'lighthouse');
      const og =
        /<meta property="og:image" content="https:\/\/blog\.example\.com\/(_astro\/lighthouse-og\.[\w-]+\.jpg)">/.exec(
          html,
        )?.[1];
      expect(og, 'the crop as og:image').toBeDefined();
      const card = await sharp(join(dist, og as string)).metadata();
      expect([card.width, card.height]).toEqual([1200, 630]);
      expect(html).toMatch(/<meta property="og:image:alt" content="[^"]+">/);
      expect(html).not.toContain(', over ');
      expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    } finally {
      await writeFile(config, source);
    }
  });

  it('leaves no trace of the API key in the site or the caches', async () => {
    for (const dir of ['dist', '.headerforge', 'node_modules/.cache/headerforge', '.astro']) {
      for (const file of await listFiles(join(site.dir, dir))) {
        const content = await readFile(join(site.dir, dir, file));
        expect(content.includes(SENTINEL), `${dir}/${file}`).toBe(false);
      }
    }
  });
});
