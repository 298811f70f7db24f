import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fontsFor } from './cards/card-fonts.js';
import { marginOf } from './cards/card-layout.js';
import { AA_CONTRAST, type Box, blendOver } from './cards/scrim.js';
import type { RawImage } from './sharp-input.js';
import { renderOverlay, renderTitleCard, type TitleCardInput } from './title-card.js';

const GOLDENS = fileURLToPath(new URL('./cards/goldens/', import.meta.url));
/** `UPDATE_GOLDENS=1 vitest run …title-card.test.ts` rewrites them after a deliberate change. */
const UPDATE = process.env.UPDATE_GOLDENS === '1';

/** A header-like picture: a pale sky, a blue disc, a bright foreground. */
async function picture(background = '#e8d8b0'): Promise<RawImage> {
  const art = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="1344" height="768"><circle cx="900" cy="300" r="250" fill="#3a6ea5"/><rect x="0" y="500" width="1344" height="268" fill="#fff8e0"/></svg>',
  );
  const { data, info } = await sharp({
    create: { width: 1344, height: 768, channels: 3, background },
  })
    .composite([{ input: art }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

async function plain(colour: string): Promise<RawImage> {
  const { data, info } = await sharp({
    create: { width: 1344, height: 768, channels: 3, background: colour },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

const base = (original: RawImage, title: string): TitleCardInput => ({
  original,
  focus: 'attention',
  width: 1200,
  height: 630,
  title,
  siteName: 'Headerforge Blog',
  layout: 'bottom-left',
  overlay: 0.55,
  placeholder: false,
});

async function pixels(jpeg: Uint8Array) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const lin = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const luminanceAt = (data: Buffer, i: number) =>
  0.2126 * lin(data[i] as number) +
  0.7152 * lin(data[i + 1] as number) +
  0.0722 * lin(data[i + 2] as number);

/** Luminances of a box's pixels, sorted ascending. */
async function luminances(jpeg: Uint8Array, box: Box): Promise<number[]> {
  const { data, width, channels } = await pixels(jpeg);
  const values: number[] = [];
  for (let y = box.top; y <= box.bottom; y++) {
    for (let x = box.left; x <= box.right; x++)
      values.push(luminanceAt(data, (y * width + x) * channels));
  }
  return values.sort((a, b) => a - b);
}

/**
 * How far two images of one size are apart: the mean absolute difference per channel, and
 * the share of channel values more than 64 apart. The second is what catches a glyph that
 * moved or went missing: text is a few percent of a card, so the mean alone barely moves.
 */
async function difference(
  a: Uint8Array,
  b: Uint8Array,
): Promise<{ mean: number; changed: number }> {
  const [one, two] = await Promise.all([pixels(a), pixels(b)]);
  expect([one.width, one.height]).toEqual([two.width, two.height]);
  let sum = 0;
  let changed = 0;
  for (let i = 0; i < one.data.length; i++) {
    const delta = Math.abs((one.data[i] as number) - (two.data[i] as number));
    sum += delta;
    if (delta > 64) changed++;
  }
  return { mean: sum / one.data.length, changed: changed / one.data.length };
}

describe('renderTitleCard', () => {
  it('darkens the picture under the title until white text keeps AA contrast, and draws the text', async () => {
    // A white picture is the worst case: the minimum scrim is not enough there.
    const card = await renderTitleCard({
      ...base(await plain('#ffffff'), 'Crème brûlée à Zürich'),
      overlay: 0.3,
    });
    expect(card.scrim).toBeGreaterThan(0.3);
    expect(card.contrast).toBeGreaterThanOrEqual(AA_CONTRAST);
    const values = await luminances(card.jpeg, card.textBox);
    // The background under the text (its darker half) is at or below AA's luminance for
    // white text, with a little room for JPEG's rounding…
    const median = values[Math.floor(values.length / 2)] as number;
    expect(1.05 / (median + 0.05)).toBeGreaterThan(AA_CONTRAST - 0.2);
    // …and the text is there: a good share of near-white pixels.
    const bright = values.filter((value) => value > 0.8).length;
    expect(bright / values.length).toBeGreaterThan(0.05);
    // Away from the text the picture shows through: the top rows stay white.
    const top = await luminances(card.jpeg, { left: 0, top: 0, right: 1199, bottom: 20 });
    expect(top[0]).toBeGreaterThan(0.9);
  });

  it('keeps the minimum scrim over a dark picture', async () => {
    const card = await renderTitleCard(base(await plain('#101820'), 'Night shift'));
    expect(card.scrim).toBe(0.55);
    expect(card.contrast).toBeGreaterThan(AA_CONTRAST);
  });

  it('fits a 200-character title inside the margins, smaller but whole', async () => {
    const title =
      'Headerforge turns frontmatter prompts into exact 16:9 headers, social cards and blur placeholders at build time, then keeps them in a committed cache so nobody ever pays twice.'.padEnd(
        200,
        '!',
      );
    expect(title).toHaveLength(200);
    const card = await renderTitleCard(base(await picture(), title));
    expect(card.truncated).toBe(false);
    expect(card.fontSize).toBeLessThan(72);
    const margin = marginOf(1200, 630);
    expect(card.textBox.top).toBeGreaterThanOrEqual(margin - 8);
    expect(card.textBox.bottom).toBeLessThanOrEqual(630 - margin + 16);
    expect(card.textBox.right).toBeLessThanOrEqual(1200 - margin + 8);
  });

  it('cuts a title no size can fit with an ellipsis instead of overflowing', async () => {
    const card = await renderTitleCard(base(await picture(), 'overflowing words '.repeat(60)));
    expect(card.truncated).toBe(true);
    expect(card.textBox.bottom).toBeLessThanOrEqual(630 - marginOf(1200, 630) + 16);
  });

  it('lays out a square card too', async () => {
    const card = await renderTitleCard({
      ...base(await picture(), 'Square for Instagram'),
      width: 1080,
      height: 1080,
    });
    expect(await sharp(card.jpeg).metadata()).toMatchObject({
      width: 1080,
      height: 1080,
      format: 'jpeg',
    });
  });

  it('draws the same bytes from the same inputs', async () => {
    const input = base(await picture(), 'Launch day 🚀 東京 שלום');
    const [one, two] = [await renderTitleCard(input), await renderTitleCard(input)];
    expect(Buffer.compare(one.jpeg, two.jpeg)).toBe(0);
  });

  it('marks a card over placeholder art', async () => {
    const input = base(await plain('#404040'), 'Offline');
    const [real, marked] = [
      await renderTitleCard(input),
      await renderTitleCard({ ...input, placeholder: true }),
    ];
    // The badge sits top right; the real card has nothing there.
    const corner = { left: 950, top: 10, right: 1190, bottom: 80 };
    const redShare = async (jpeg: Buffer) => {
      const { data, width, channels } = await pixels(jpeg);
      let red = 0;
      for (let y = corner.top; y <= corner.bottom; y++) {
        for (let x = corner.left; x <= corner.right; x++) {
          const i = (y * width + x) * channels;
          if ((data[i] as number) > 150 && (data[i + 1] as number) < 80) red++;
        }
      }
      return red;
    };
    expect(await redShare(real.jpeg)).toBe(0);
    expect(await redShare(marked.jpeg)).toBeGreaterThan(500);
    // The badge has its own background: the scrim and its check stay at the text.
    expect(marked.textBox).toEqual(real.textBox);
    expect(marked.scrim).toBe(real.scrim);
  });
});

describe('the overlay, rendered where it is drawn only', () => {
  // Shapes with anti-aliased edges at fractional places, a stroke and a translucent fill.
  const svg = (width: number, height: number) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><circle cx="301.3" cy="402.7" r="61.4" fill="#fff"/><rect x="120.5" y="520.25" width="700.5" height="40.3" rx="9" fill="rgba(0,0,0,0.55)"/><path d="M 500.2 450.9 L 760.7 470.1" stroke="#ffd" stroke-width="3.3"/></svg>`;

  it("has exactly the whole render's pixels, placed where they were, and nothing elsewhere", async () => {
    const { Resvg } = await import('@resvg/resvg-js');
    const [width, height] = [1200, 630];
    const whole = new Resvg(svg(width, height)).render().pixels;
    const part = renderOverlay(svg(width, height), width, height, Resvg);
    if (!part) throw new Error('nothing drawn');
    // Much smaller than the card.
    expect(part.region.width * part.region.height).toBeLessThan(width * height * 0.4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const { left, top, width: w, height: h } = part.region;
        const inside = x >= left && x < left + w && y >= top && y < top + h;
        const at = (y * width + x) * 4;
        const expected = [...whole.subarray(at, at + 4)];
        if (!inside) {
          if (expected[3] !== 0) throw new Error(`drawn outside the region at ${x},${y}`);
          continue;
        }
        const mine = ((y - top) * w + (x - left)) * 4;
        const got = [...part.pixels.subarray(mine, mine + 4)];
        if (got.join() !== expected.join())
          throw new Error(`${x},${y}: ${got} where the whole render has ${expected}`);
      }
    }
    // Blended in place, the picture is the one the whole overlay makes.
    const base = new Uint8Array(width * height * 3).map((_, i) => (i * 7) % 251);
    const viaWhole = base.slice();
    blendOver(viaWhole, whole, { width, region: { left: 0, top: 0, width, height } });
    const viaPart = base.slice();
    blendOver(viaPart, part.pixels, { width, region: part.region });
    expect(Buffer.compare(Buffer.from(viaWhole), Buffer.from(viaPart))).toBe(0);
  });

  it('is nothing for an SVG that draws nothing', async () => {
    const { Resvg } = await import('@resvg/resvg-js');
    const empty = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="63"></svg>';
    expect(renderOverlay(empty, 120, 63, Resvg)).toBeUndefined();
  });
});

describe('golden cards, one per script', () => {
  const scripts = {
    latin: 'Crème brûlée in Zürich and Łódź: ça marche très bien',
    emoji: 'Launch day 🚀🎉 is here, finally ✨',
    japanese: '東京の夜景と桜の季節 静かな朝',
    chinese: '北京的夜景与春天的樱花 安静的早晨',
    traditional: '臺北的夜景與春天的櫻花 安靜的早晨',
    rtl: 'مرحبا بالعالم: שלום עולם',
    thai: 'สวัสดีชาวโลก ที่นี่ น้ำใจ กรุงเทพมหานคร',
    korean: '서울의 밤 풍경과 벚꽃의 계절',
    devanagari: 'हिन्दी में स्वागत है: क्षत्रिय विद्या',
  };
  /** The cards' language (`og.lang`), where the text alone does not say it. */
  const langs: Partial<Record<keyof typeof scripts, string>> = { traditional: 'zh-TW' };
  for (const [name, title] of Object.entries(scripts)) {
    it(`${name}: within a small tolerance of the committed card`, async () => {
      const lang = langs[name as keyof typeof scripts];
      const card = await renderTitleCard({ ...base(await picture(), title), lang });
      const file = `${GOLDENS}${name}.jpg`;
      if (UPDATE || !existsSync(file)) {
        // A missing golden is an error in CI, so a forgotten commit cannot pass silently.
        if (!UPDATE)
          throw new Error(`No golden card ${file}; run with UPDATE_GOLDENS=1 and look at it.`);
        writeFileSync(file, card.jpeg);
      }
      // Same versions give the same bytes; the tolerance is for a libjpeg or resvg patch
      // release. A word moved by a space's width changes ~0.8% of values: over the limit.
      const { mean, changed } = await difference(card.jpeg, readFileSync(file));
      expect(mean).toBeLessThan(0.5);
      expect(changed).toBeLessThan(0.001);
    });
  }

  it('tells scripts apart: the Latin card is far from the Japanese golden', async () => {
    const card = await renderTitleCard(base(await picture(), scripts.latin));
    expect(
      (await difference(card.jpeg, readFileSync(`${GOLDENS}japanese.jpg`))).changed,
    ).toBeGreaterThan(0.01);
  });

  it('tells the forms of Han characters apart: Taiwan’s from the mainland’s', async () => {
    const original = await picture();
    const card = (lang: string) => renderTitleCard({ ...base(original, '骨直說令今角 遍'), lang });
    const { changed } = await difference((await card('zh-TW')).jpeg, (await card('zh-CN')).jpeg);
    expect(changed).toBeGreaterThan(0.001);
  });

  it('draws every character of the goldens from a bundled face (no box)', () => {
    const faces = fontsFor(Object.values(scripts).join(' ')).map((font) => font.name);
    expect(
      fontsFor(scripts.traditional, undefined, 'zh-TW').every(
        (font, i) => i === 0 || font.name.startsWith('Noto Sans TC'),
      ),
    ).toBe(true);
    for (const family of [
      'noto-sans-latin-',
      'noto-sans-latin-ext-',
      'noto-emoji-',
      'noto-sans-sc-',
      'noto-sans-jp-',
      'noto-sans-hebrew-hebrew',
      'noto-sans-arabic-arabic',
      'noto-sans-thai-thai',
      'noto-sans-kr-',
      'noto-sans-devanagari',
    ]) {
      expect(faces.some((name) => name.includes(family))).toBe(true);
    }
  });
});
