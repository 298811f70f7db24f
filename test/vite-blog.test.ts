import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, listFiles } from './support/fixtures.js';

// The real fixture, its own vite.config.js, built with Vite's API against the fake server.
const SENTINEL = 'sk-or-v1-test-sentinel-vite-blog-0123456789';
let fake: FakeOpenRouter;
let site: Awaited<ReturnType<typeof copyFixture>>;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: SENTINEL });
  // The key reaches the plugin the way a user's would: from .env, read by Vite.
  site = await copyFixture('vite-blog', {
    env: { OPENROUTER_API_KEY: SENTINEL, OPENROUTER_BASE_URL: fake.baseURL },
  });
});
afterAll(async () => {
  await fake.close();
  await site.remove();
});

async function buildSite(base = '/') {
  await build({
    root: site.dir,
    base,
    configFile: join(site.dir, 'vite.config.js'),
    logLevel: 'warn',
    mode: 'production',
  });
  const dist = join(site.dir, 'dist');
  return { dist, files: await listFiles(dist) };
}

describe('fixtures/vite-blog', () => {
  it('builds with exact 16:9 headers, responsive variants and a 1200×630 card, referenced from the bundle', async () => {
    const { dist, files } = await buildSite();
    expect(fake.generations()).toHaveLength(2);

    const images = files.filter((file) => /\.(png|jpe?g|webp|avif)$/.test(file));
    const sizes = new Map<string, string>();
    for (const file of images) {
      const meta = await sharp(join(dist, file)).metadata();
      sizes.set(file, `${meta.format} ${meta.width}x${meta.height}`);
    }
    const found = [...sizes.values()].sort();
    // Two posts: per post a master, a title card, and 640/960 in avif, webp and jpeg.
    expect(found.filter((s) => s === 'png 1344x756')).toHaveLength(2);
    expect(found.filter((s) => s === 'jpeg 1200x630')).toHaveLength(2);
    for (const format of ['heif', 'webp', 'jpeg']) {
      expect(found.filter((s) => s === `${format} 640x360`)).toHaveLength(2);
      expect(found.filter((s) => s === `${format} 960x540`)).toHaveLength(2);
    }
    expect(images.every((file) => file.startsWith('assets/') && /-[\w-]{8}\.\w+$/.test(file))).toBe(
      true,
    );

    const js = files.filter((file) => file.endsWith('.js'));
    const bundle = (await Promise.all(js.map((file) => readFile(join(dist, file), 'utf8')))).join(
      '\n',
    );
    for (const image of images) expect(bundle).toContain(`/${image}`);
    expect(bundle).toContain('Glowing jellyfish in the deep sea');
    expect(bundle).toMatch(/data:image\/webp;base64,/);

    const html = await readFile(join(dist, 'index.html'), 'utf8');
    for (const file of js) expect(html).toContain(`/${file}`);
    // The <picture data-headerforge> in index.html became real markup with hashed URLs.
    // The default social card: the post's title over its header, described as such.
    const og = /<meta property="og:image" content="\/(assets\/[\w-]+\.jpg)">/.exec(html)?.[1];
    expect(og && sizes.get(og)).toBe('jpeg 1200x630');
    expect(og).not.toMatch(/^assets\/og-/);
    expect(og).toMatch(/^assets\/hello-world-og-[\w-]+\.jpg$/);
    expect(html).toMatch(/<meta property="og:image:alt" content="Hello, world, over /);
    const img =
      /<img src="\/(assets\/hello-world-w960-[\w-]+\.jpg)"[^>]* width="960" height="540" alt="A lighthouse at dusk, watercolour"/.exec(
        html,
      )?.[1];
    expect(img && sizes.get(img)).toBe('jpeg 960x540');
    expect(html).toMatch(
      /<source type="image\/avif" srcset="\/assets\/hello-world-w640-[\w-]+\.avif 640w, \/assets\/hello-world-w960-[\w-]+\.avif 960w"/,
    );
    expect(html).toMatch(
      /<picture class="featured" style="background: #[0-9a-f]{6} url\(data:image\/webp;base64,/,
    );
  });

  it('prefixes every asset URL with the base', async () => {
    const { dist, files } = await buildSite('/blog/');
    const html = await readFile(join(dist, 'index.html'), 'utf8');
    const bundle = (
      await Promise.all(
        files.filter((f) => f.endsWith('.js')).map((f) => readFile(join(dist, f), 'utf8')),
      )
    ).join('\n');
    expect(html).toMatch(/<img src="\/blog\/assets\/hello-world-w960-/);
    expect(html).toMatch(/<meta property="og:image" content="\/blog\/assets\/[\w-]+\.jpg"/);
    expect(bundle).toMatch(/\/blog\/assets\/[a-z-]+-w640-[\w-]+\.avif/);
    expect(html).not.toMatch(/="\/assets\//);
  });

  it('a second build makes zero requests', async () => {
    fake.reset();
    const { files } = await buildSite();
    expect(fake.requests).toHaveLength(0);
    expect(files.some((file) => file.endsWith('.avif'))).toBe(true);
  });

  it('fails with the page and the reference when HTML names a post without a header', async () => {
    const page = join(site.dir, 'index.html');
    const original = await readFile(page, 'utf8');
    await writeFile(
      page,
      original.replace(
        'data-headerforge="posts/hello-world.md" data-sizes',
        'data-headerforge="posts/nope.md" data-sizes',
      ),
    );
    try {
      await expect(buildSite()).rejects.toThrow(
        /index\.html: data-headerforge="posts\/nope\.md" names no post with a header/,
      );
    } finally {
      await writeFile(page, original);
    }
  });

  it('leaves no trace of the API key in the build output or the caches', async () => {
    for (const dir of ['dist', '.headerforge', 'node_modules/.cache/headerforge']) {
      for (const file of await listFiles(join(site.dir, dir))) {
        const content = await readFile(join(site.dir, dir, file));
        expect(content.includes(SENTINEL), `${dir}/${file}`).toBe(false);
      }
    }
  });
});
