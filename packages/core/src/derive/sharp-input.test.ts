import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { decompressionBombPng } from '../testing/crafted-png.js';
import { decodeOriginal, MAX_INPUT_PIXELS } from './sharp-input.js';

const base = sharp({ create: { width: 64, height: 36, channels: 3, background: '#3366cc' } });
const png = await base.clone().png().toBuffer();
const encoded = {
  JPEG: await base.clone().jpeg().toBuffer(),
  WebP: await base.clone().webp().toBuffer(),
  AVIF: await base.clone().avif().toBuffer(),
  GIF: await base.clone().gif().toBuffer(),
  TIFF: await base.clone().tiff().toBuffer(),
};

async function rejection(bytes: Uint8Array): Promise<HeaderforgeError> {
  const error = await decodeOriginal(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HeaderforgeError);
  const failure = error as HeaderforgeError;
  expect(failure.code).toBe('image_processing');
  expect(failure.hint).toBeTruthy();
  return failure;
}

describe('decodeOriginal', () => {
  it.each([
    ['PNG', png],
    ['JPEG', encoded.JPEG],
    ['WebP', encoded.WebP],
    ['AVIF', encoded.AVIF],
    ['GIF', encoded.GIF],
  ])('decodes %s to 8-bit sRGB pixels', async (format, bytes) => {
    const image = await decodeOriginal(bytes);
    expect([image.width, image.height]).toEqual([64, 36]);
    // GIF comes out with an alpha channel (its palette may hold a transparent entry).
    expect(image.channels).toBe(format === 'GIF' ? 4 : 3);
    expect(image.data.length).toBe(64 * 36 * image.channels);
    // Lossy encoders may shift the colour a little, never to another colour.
    const drift = [0x33, 0x66, 0xcc].map((channel, i) => Math.abs(channel - (image.data[i] ?? 0)));
    expect(Math.max(...drift)).toBeLessThan(16);
  });

  it('turns greyscale and 16-bit input into 8-bit sRGB', async () => {
    const grey = await base.clone().greyscale().png().toBuffer();
    expect((await decodeOriginal(grey)).channels).toBe(3);
    const deep = await base.clone().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const decoded = await decodeOriginal(deep);
    expect(decoded.data.length).toBe(64 * 36 * 3);
  });

  it('applies EXIF orientation, so a rotated phone-style JPEG is upright', async () => {
    const rotated = await base.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeOriginal(rotated);
    expect([image.width, image.height]).toEqual([36, 64]);
  });

  it('refuses a decompression bomb without decoding it', async () => {
    const bomb = decompressionBombPng();
    expect(bomb.length).toBeLessThan(200_000);
    const error = await rejection(bomb);
    expect(error.message).toMatch(/more than 268435456 pixels/);
    expect(error.message).toMatch(/decompression bomb/);
    expect(MAX_INPUT_PIXELS).toBe(16384 * 16384);
  });

  it.each([
    [
      'SVG',
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="36"><rect width="64" height="36"/></svg>',
      ),
      /SVG/,
    ],
    ['TIFF', encoded.TIFF, /TIFF/],
  ])('refuses %s, which is off the allow-list', async (_format, bytes, name) => {
    const error = await rejection(bytes);
    expect(error.message).toMatch(name);
    expect(error.message).toMatch(/does not process \(it accepts png, jpeg, webp, avif, gif\)/);
  });

  it('refuses bytes that are not an image', async () => {
    const error = await rejection(new TextEncoder().encode('<html>not an image</html>'));
    expect(error.message).toMatch(/cannot be decoded/);
  });

  it('refuses a truncated PNG', async () => {
    // Random pixels do not compress, so half the file is half the pixel data.
    const random = Buffer.from(
      Array.from({ length: 128 * 128 * 3 }, () => Math.floor(Math.random() * 256)),
    );
    const noisy = await sharp(random, { raw: { width: 128, height: 128, channels: 3 } })
      .png()
      .toBuffer();
    const error = await rejection(noisy.subarray(0, Math.floor(noisy.length / 2)));
    expect(error.message).toMatch(/PNG.*cannot be decoded/);
  });
});
