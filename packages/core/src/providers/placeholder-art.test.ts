import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors.js';
import { renderPlaceholderArt } from './placeholder-art.js';

const base = {
  prompt: 'A lighthouse at dusk, watercolour',
  title: 'The lighthouse',
  aspectRatio: '16:9',
  imageSize: '1K',
} as const;

async function meanColour(bytes: Uint8Array): Promise<number[]> {
  const { channels } = await sharp(bytes).stats();
  return channels.slice(0, 3).map((channel) => channel.mean);
}

describe('renderPlaceholderArt', () => {
  it.each([
    ['16:9', '1K', 1344, 768],
    ['1:1', '1K', 1024, 1024],
    ['21:9', '2K', 3072, 1344],
    ['9:16', '0.5K', 384, 672],
  ] as const)(
    'renders %s at %s as a %ix%i PNG, like a real model answer',
    async (aspectRatio, imageSize, width, height) => {
      const art = await renderPlaceholderArt({ ...base, aspectRatio, imageSize });
      expect([art.width, art.height, art.mediaType]).toEqual([width, height, 'image/png']);
      const meta = await sharp(art.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', width, height]);
    },
  );

  it('is deterministic: the same request gives the same bytes', async () => {
    const a = await renderPlaceholderArt(base);
    const b = await renderPlaceholderArt({ ...base });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });

  it('looks different for another prompt or another seed', async () => {
    const original = await meanColour((await renderPlaceholderArt(base)).bytes);
    for (const changed of [
      { ...base, prompt: 'A fox in the snow, woodcut' },
      { ...base, seed: 7 },
    ]) {
      const other = await meanColour((await renderPlaceholderArt(changed)).bytes);
      const distance = Math.hypot(...original.map((value, i) => value - (other[i] ?? 0)));
      expect(distance).toBeGreaterThan(5);
    }
  });

  it('survives XML-hostile, emoji, right-to-left and very long titles', async () => {
    const titles = [
      `<script>alert("x")</script> & 'quotes' ]]>`,
      'Emoji 🦊🌊 and a ZWJ family 👩‍👩‍👧',
      'مرحبا بالعالم — שלום עולם',
      'A title that goes on '.repeat(40),
      'control\u0000chars\u0007here\uffff',
    ];
    for (const title of titles) {
      const art = await renderPlaceholderArt({ ...base, title });
      const meta = await sharp(art.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([1344, 768]);
    }
  });

  it('draws a prompt excerpt when the post has no title', async () => {
    const withTitle = await renderPlaceholderArt(base);
    const withoutTitle = await renderPlaceholderArt({ ...base, title: undefined as never });
    expect(Buffer.from(withTitle.bytes).equals(Buffer.from(withoutTitle.bytes))).toBe(false);
  });

  it('refuses an empty prompt', async () => {
    await expect(renderPlaceholderArt({ ...base, prompt: '   ' })).rejects.toBeInstanceOf(
      HeaderforgeError,
    );
  });
});
