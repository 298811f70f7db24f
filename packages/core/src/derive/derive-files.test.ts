import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeriveStep, deriveFiles } from './derive-files.js';
import type { DerivedSet } from './derived-set.js';
import type { DeriveSpec } from './spec.js';

const spec: DeriveSpec = {
  aspectRatio: '16:9',
  focus: 'attention',
  widths: [640, 960, 1280, 1600],
  formats: ['webp', 'jpeg', 'avif'],
  og: true,
};

/** A 1K-sized 16:9 model answer: mostly blue, with a yellow disc and a red bar. */
async function picture(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="${width}" height="${height}" fill="#3366cc"/>
    <circle cx="${width * 0.3}" cy="${height * 0.5}" r="${height * 0.2}" fill="#ffd000"/>
    <rect x="${width * 0.6}" y="${height * 0.3}" width="${width * 0.2}" height="${height * 0.1}" fill="#e02020"/>
  </svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().png().toBuffer();
}

/** Random colour blocks about the placeholder's own scale: the hardest case for a tiny WebP. */
async function noisy(width: number, height: number, blocksWide: number): Promise<Buffer> {
  const blocksHigh = Math.max(1, Math.round((blocksWide * height) / width));
  const random = Buffer.alloc(blocksWide * blocksHigh * 3);
  for (let i = 0; i < random.length; i += 1) random[i] = Math.floor(Math.random() * 256);
  return sharp(random, { raw: { width: blocksWide, height: blocksHigh, channels: 3 } })
    .resize(width, height, { kernel: 'nearest', fit: 'fill' })
    .png()
    .toBuffer();
}

const dirs: string[] = [];
async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hf-derive-'));
  dirs.push(dir);
  return join(dir, 'out');
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function lqipImage(lqip: string) {
  const prefix = 'data:image/webp;base64,';
  expect(lqip.startsWith(prefix)).toBe(true);
  return sharp(Buffer.from(lqip.slice(prefix.length), 'base64')).metadata();
}

describe('deriveFiles on a 1344×768 original', () => {
  let set: Omit<DerivedSet, 'key'>;
  let dir: string;
  const steps: [DeriveStep, number][] = [];

  beforeAll(async () => {
    dir = await outDir();
    set = await deriveFiles(await picture(1344, 768), spec, dir, (step, ms) =>
      steps.push([step, ms]),
    );
  });

  it('writes a lossless exact-16:9 master at full width', async () => {
    expect(set.master).toMatchObject({ width: 1344, height: 756, format: 'png' });
    const meta = await sharp(set.master.file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1344, 756]);
  });

  it('writes every width the master can fill in every format, sorted, never upscaled', async () => {
    expect(set.variants.map((v) => `${v.format}@${v.width}x${v.height}`)).toEqual([
      'avif@640x360',
      'avif@960x540',
      'avif@1280x720',
      'jpeg@640x360',
      'jpeg@960x540',
      'jpeg@1280x720',
      'webp@640x360',
      'webp@960x540',
      'webp@1280x720',
    ]);
    for (const variant of set.variants) {
      const meta = await sharp(variant.file).metadata();
      expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
      const decoder = { avif: 'heif', jpeg: 'jpeg', webp: 'webp' }[
        variant.format as 'avif' | 'jpeg' | 'webp'
      ];
      expect(meta.format).toBe(decoder);
      if (variant.format === 'avif') expect(meta.compression).toBe('av1');
      if (variant.format === 'jpeg') expect(meta.isProgressive).toBe(true);
    }
  });

  it('reports each file’s real size and keeps every file inside the out dir', async () => {
    const all = [set.master, ...set.variants, ...(set.og ? [set.og] : [])];
    expect(new Set(all.map((f) => dirname(f.file)))).toEqual(new Set([dir]));
    expect((await readdir(dir)).sort()).toEqual(all.map((f) => basename(f.file)).sort());
    for (const file of all) {
      expect(file.bytes).toBeGreaterThan(0);
      expect((await stat(file.file)).size).toBe(file.bytes);
    }
  });

  it('writes a 1200×630 JPEG social card', async () => {
    expect(set.og).toMatchObject({ width: 1200, height: 630, format: 'jpeg' });
    const meta = await sharp(set.og?.file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1200, 630]);
  });

  it('makes a decodable blurred WebP placeholder under 1 KB', async () => {
    expect(set.lqip.length).toBeLessThan(1024);
    const meta = await lqipImage(set.lqip);
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 24, 14]);
  });

  it('finds the dominant colour as #rrggbb', () => {
    expect(set.color).toMatch(/^#[0-9a-f]{6}$/);
    // The background is #3366cc; the histogram answers with its bin's centre.
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(set.color.slice(i, i + 2), 16));
    expect(Math.abs((r ?? 0) - 0x33)).toBeLessThanOrEqual(8);
    expect(Math.abs((g ?? 0) - 0x66)).toBeLessThanOrEqual(8);
    expect(Math.abs((b ?? 0) - 0xcc)).toBeLessThanOrEqual(8);
  });

  it('reports a timing for every step, in order', () => {
    expect(steps.map(([step]) => step)).toEqual([
      'decode',
      'crop',
      // The card comes from the decoded original, which is let go before the variants.
      'og',
      'variants',
      'lqip',
      'color',
    ]);
    for (const [, ms] of steps) expect(ms).toBeGreaterThanOrEqual(0);
  });
});

describe('deriveFiles without variants (a host that makes its own)', () => {
  let set: Omit<DerivedSet, 'key'>;
  let dir: string;
  const steps: DeriveStep[] = [];

  beforeAll(async () => {
    dir = await outDir();
    const without = { ...spec, formats: [], variants: false };
    set = await deriveFiles(await picture(1344, 768), without, dir, (step) => steps.push(step));
  });

  it('writes only the lossless master and the social card', async () => {
    expect(set.variants).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['master.png', 'og.jpg']);
    expect(set.master).toMatchObject({ width: 1344, height: 756, format: 'png' });
    expect(set.og).toMatchObject({ width: 1200, height: 630, format: 'jpeg' });
    expect(steps).toEqual(['decode', 'crop', 'og', 'lqip', 'color']);
  });

  it('has the same master pixels, placeholder and colour as a set with variants', async () => {
    const full = await deriveFiles(await picture(1344, 768), spec, await outDir());
    const pixels = (file: string) => sharp(file).raw().toBuffer();
    expect((await pixels(set.master.file)).equals(await pixels(full.master.file))).toBe(true);
    expect([set.lqip, set.color]).toEqual([full.lqip, full.color]);
  });
});

describe('deriveFiles', () => {
  it('keeps every width a 2688×1536 original can fill', async () => {
    const set = await deriveFiles(
      await picture(2688, 1536),
      { ...spec, formats: ['webp'], og: false },
      await outDir(),
    );
    expect([set.master.width, set.master.height]).toEqual([2688, 1512]);
    expect(set.variants.map((v) => `${v.width}x${v.height}`)).toEqual([
      '640x360',
      '960x540',
      '1280x720',
      '1600x900',
    ]);
    expect(set.og).toBeUndefined();
  });

  it('falls back to one variant at the master’s width when every width is larger', async () => {
    const set = await deriveFiles(
      await picture(672, 384),
      { ...spec, widths: [960, 1280], formats: ['jpeg', 'webp'] },
      await outDir(),
    );
    expect(set.master).toMatchObject({ width: 672, height: 378 });
    expect(set.variants.map((v) => `${v.format}@${v.width}x${v.height}`)).toEqual([
      'jpeg@672x378',
      'webp@672x378',
    ]);
    // The social card has a fixed size, so a small original is enlarged for it.
    expect(set.og).toMatchObject({ width: 1200, height: 630 });
  });

  it.each([
    ['16:9', 1344, 768, 24, 14],
    ['1:1', 1024, 1024, 24, 24],
    ['9:16', 768, 1344, 14, 24],
  ] as const)(
    'keeps a %s placeholder of noise under 1 KB',
    async (aspectRatio, width, height, w, h) => {
      for (const blocks of [width, 24, 48]) {
        const set = await deriveFiles(
          await noisy(width, height, blocks),
          { ...spec, aspectRatio, widths: [320], formats: ['webp'], og: false },
          await outDir(),
        );
        expect(set.lqip.length).toBeLessThan(1024);
        const meta = await lqipImage(set.lqip);
        expect([meta.width, meta.height]).toEqual([w, h]);
      }
    },
  );

  it('writes JPEG without alpha, on white, from a transparent original', async () => {
    const transparent = await sharp({
      create: { width: 640, height: 360, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const set = await deriveFiles(
      transparent,
      { ...spec, widths: [320], formats: ['jpeg'] },
      await outDir(),
    );
    const [variant] = set.variants;
    const corner = await sharp(variant?.file)
      .extract({ left: 0, top: 0, width: 1, height: 1 })
      .raw()
      .toBuffer();
    expect([...corner]).toEqual([255, 255, 255]);
    expect((await sharp(set.master.file).metadata()).hasAlpha).toBe(true);
  });

  it('rejects an unusable original before writing anything', async () => {
    const dir = await outDir();
    await expect(
      deriveFiles(new TextEncoder().encode('not an image'), spec, dir),
    ).rejects.toMatchObject({ code: 'image_processing' });
    expect(await readdir(dir)).toEqual([]);
  });
});
