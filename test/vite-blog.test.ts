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
  site = await copyFixture('vite-blog');
  // The key reaches the plugin the way a user's would: from .env, read by Vite.
  await writeFile(
    join(site.dir, '.env'),
    `OPENROUTER_API_KEY=${SENTINEL}\nOPENROUTER_BASE_URL=${fake.baseURL}\n`,
  );
});
afterAll(async () => {
  await fake.close();
  await site.remove();
});

async function buildSite() {
  await build({
    root: site.dir,
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
    // Two posts: per post a master, an OG card, and 640/960 in avif, webp and jpeg.
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
  });

  it('a second build makes zero requests', async () => {
    fake.reset();
    const { files } = await buildSite();
    expect(fake.requests).toHaveLength(0);
    expect(files.some((file) => file.endsWith('.avif'))).toBe(true);
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
