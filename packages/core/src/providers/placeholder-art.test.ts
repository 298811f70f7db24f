import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import {
  type PlaceholderArtRequest,
  renderPlaceholderArt,
  textRenders,
} from './placeholder-art.js';

const base = {
  prompt: 'A lighthouse at dusk, watercolour',
  title: 'The lighthouse',
  aspectRatio: '16:9',
  imageSize: '1K',
} as const satisfies PlaceholderArtRequest;

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function meanColour(bytes: Uint8Array): Promise<number[]> {
  const { channels } = await sharp(bytes).stats();
  return channels.slice(0, 3).map((channel) => channel.mean);
}

/** The outermost strip of pixels on every side, where the hatched frame lives. */
async function frameStrips(bytes: Uint8Array, depth: number): Promise<Buffer[]> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const strips = [
    { left: 0, top: 0, width, height: depth },
    { left: 0, top: height - depth, width, height: depth },
    { left: 0, top: 0, width: depth, height },
    { left: width - depth, top: 0, width: depth, height },
  ];
  return Promise.all(strips.map((region) => sharp(bytes).extract(region).raw().toBuffer()));
}

describe('renderPlaceholderArt', () => {
  it.each([
    ['16:9', '1K', 1344, 768],
    ['1:1', '1K', 1024, 1024],
    ['21:9', '2K', 3072, 1344],
    ['9:16', '0.5K', 384, 672],
    ['1:8', '0.5K', 192, 1536],
  ] as const)(
    'renders %s at %s as a %ix%i PNG, like a real model answer',
    async (aspectRatio, imageSize, width, height) => {
      const art = await renderPlaceholderArt({ ...base, aspectRatio, imageSize });
      expect([art.width, art.height, art.mediaType]).toEqual([width, height, 'image/png']);
      const meta = await sharp(art.bytes).metadata();
      expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual([
        'png',
        width,
        height,
        false,
      ]);
    },
  );

  // Its speed (about 0.5 s on 2 cores) is a benchmark figure, not a test assertion.
  it('renders 4K at the size a model would return', async () => {
    const art = await renderPlaceholderArt({ ...base, imageSize: '4K' });
    expect([art.width, art.height]).toEqual([5376, 3072]);
  });

  it('is deterministic: the same request gives the same bytes', async () => {
    const a = await renderPlaceholderArt(base);
    const b = await renderPlaceholderArt({ ...base });
    expect(same(a.bytes, b.bytes)).toBe(true);
  });

  it('looks visibly different for another prompt or another seed', async () => {
    const original = await renderPlaceholderArt(base);
    const originalMean = await meanColour(original.bytes);
    for (const changed of [
      { ...base, prompt: 'A fox in the snow, woodcut' },
      { ...base, seed: 7 },
    ]) {
      const other = await renderPlaceholderArt(changed);
      expect(same(original.bytes, other.bytes)).toBe(false);
      const otherMean = await meanColour(other.bytes);
      const distance = Math.hypot(...originalMean.map((value, i) => value - (otherMean[i] ?? 0)));
      expect(distance).toBeGreaterThan(5);
    }
  });

  it('marks itself with a high-contrast hatched frame, which needs no font', async () => {
    for (const prompt of ['A lighthouse at dusk', 'Pale fog over a lake', 'Neon city night']) {
      const art = await renderPlaceholderArt({ ...base, prompt });
      const [top] = await frameStrips(art.bytes, 10);
      const { channels } = await sharp(top, {
        raw: { width: 1344, height: 10, channels: 3 },
      }).stats();
      // Alternating light and dark stripes: a smooth gradient's strip varies far less.
      for (const channel of channels) expect(channel.stdev).toBeGreaterThan(25);
    }
  });

  it('survives XML-hostile, emoji, right-to-left and control-character titles', async () => {
    const titles = [
      `<script>alert("x")</script> & 'quotes' ]]> &amp; <!-- -->`,
      'Emoji 🦊🌊 and a ZWJ family 👩‍👩‍👧',
      'مرحبا بالعالم — שלום עולם',
      'control\u0000chars\u0007here\uffff and a lone \ud800 surrogate',
    ];
    for (const title of titles) {
      const art = await renderPlaceholderArt({ ...base, title });
      const meta = await sharp(art.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1344, 768]);
    }
  });

  it('keeps long titles inside the frame', async () => {
    const short = await renderPlaceholderArt(base);
    const shortFrame = await frameStrips(short.bytes, 30);
    for (const title of [
      'A title that goes on and on '.repeat(40),
      'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(6),
      'WWWWWWWWWW MMMMMMMMMM '.repeat(10),
      '長い日本語のタイトル🦊'.repeat(20),
    ]) {
      const long = await renderPlaceholderArt({ ...base, title });
      // Same prompt, same background: any text that spilt over would change these pixels.
      const longFrame = await frameStrips(long.bytes, 30);
      longFrame.forEach((strip, i) => {
        expect(strip.equals(shortFrame[i] ?? Buffer.alloc(0))).toBe(true);
      });
    }
  });

  it('draws the title, or a prompt excerpt without one, wherever a font exists', async () => {
    const titled = await renderPlaceholderArt(base);
    const retitled = await renderPlaceholderArt({ ...base, title: 'Another title' });
    const untitled = await renderPlaceholderArt({ ...base, title: undefined as never });
    // Without any font, text is left out altogether rather than drawn as missing-glyph boxes.
    const fonts = await textRenders();
    expect(same(titled.bytes, retitled.bytes)).toBe(!fonts);
    expect(same(titled.bytes, untitled.bytes)).toBe(!fonts);
  });

  it("draws a title in a script the machine's fonts may lack with the bundled fonts: glyphs, not boxes", async () => {
    // Where pango has no face for a character it draws a box holding its code in hex: a
    // box as full for 一 (one stroke) as for 鬱 (twenty-nine). Drawn glyphs differ tenfold.
    const ink = async (title: string) => {
      const art = await renderPlaceholderArt({ ...base, title });
      const { data } = await sharp(art.bytes)
        .extract({ left: 100, top: 200, width: 1144, height: 300 })
        .raw()
        .toBuffer({ resolveWithObject: true });
      let white = 0;
      for (let i = 0; i < data.length; i += 3)
        if ((data[i] as number) > 235 && (data[i + 1] as number) > 235) white++;
      return white;
    };
    const [simple, dense] = await Promise.all([ink('一一一一 一一'), ink('鬱鬱鬱鬱 鬱鬱')]);
    expect(dense).toBeGreaterThan(simple * 3);
  });

  it.each(['', '   \n\t'])('refuses an empty prompt (%j)', async (prompt) => {
    const attempt = renderPlaceholderArt({ ...base, prompt });
    await expect(attempt).rejects.toBeInstanceOf(HeaderforgeError);
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('renderPlaceholderArt on a machine without fonts', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // FONTCONFIG_FILE only takes effect before fontconfig starts, so this needs a fresh
  // process. The bundled fontconfig honours it on Linux; other platforms may not.
  it.skipIf(process.platform !== 'linux')(
    'leaves text out instead of drawing missing-glyph boxes, and still renders',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'headerforge-nofonts-'));
      await mkdir(join(dir, 'fonts'));
      const config = join(dir, 'fonts.conf');
      await writeFile(
        config,
        `<?xml version="1.0"?><fontconfig><dir>${join(dir, 'fonts')}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>`,
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '--no-warnings', '-e', NO_FONTS_SCRIPT],
        {
          cwd: fileURLToPath(new URL('.', import.meta.url)),
          env: {
            ...process.env,
            FONTCONFIG_FILE: config,
            ART_MODULE: new URL('./placeholder-art.ts', import.meta.url).href,
          },
        },
      );
      const result = JSON.parse(stdout) as { fonts: boolean; same: boolean; width: number };
      expect(result).toEqual({ fonts: false, same: true, width: 1344 });
    },
  );
});

// Runs the TypeScript source directly (Node strips the types); the hook maps the
// source's `./x.js` imports onto the `./x.ts` files beside them.
const NO_FONTS_SCRIPT = `
import { registerHooks } from 'node:module';
import sharp from 'sharp';
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.') || !specifier.endsWith('.js')) throw error;
      return next(specifier.slice(0, -3) + '.ts', context);
    }
  },
});
const { renderPlaceholderArt, textRenders } = await import(process.env.ART_MODULE);
const request = { prompt: 'A lighthouse', aspectRatio: '16:9', imageSize: '1K' };
const a = await renderPlaceholderArt({ ...request, title: 'One title' });
const b = await renderPlaceholderArt({ ...request, title: 'Quite another title' });
const meta = await sharp(a.bytes).metadata();
process.stdout.write(JSON.stringify({
  fonts: await textRenders(),
  same: Buffer.from(a.bytes).equals(Buffer.from(b.bytes)),
  width: meta.width,
}));
`;
