import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { sniffImageType } from '../image/media-types.js';
import { decodeDataUrl, verifyImage } from './image-data.js';

const png = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#f00' } })
  .png()
  .toBuffer();
const jpeg = await sharp(png).jpeg().toBuffer();
const webp = await sharp(png).webp().toBuffer();

describe('decodeDataUrl', () => {
  it('decodes base64 data URLs', () => {
    const { declaredType, bytes } = decodeDataUrl(
      `data:image/png;base64,${png.toString('base64')}`,
    );
    expect(declaredType).toBe('image/png');
    expect(Buffer.from(bytes).equals(png)).toBe(true);
  });

  it.each([
    ['characters outside the alphabet', 'data:image/png;base64,iVBO*w0K'],
    ['bad padding', 'data:image/png;base64,iVBORw0=K'],
    ['a length that is not a multiple of 4', 'data:image/png;base64,iVBORw0KG'],
    ['an empty payload', 'data:image/png;base64,'],
    ['a non-base64 data URL', 'data:image/png,rawbytes'],
  ])('rejects %s', (_label, url) => {
    expect(() => decodeDataUrl(url)).toThrow(HeaderforgeError);
  });
});

describe('sniffImageType / verifyImage', () => {
  it('recognises formats by their magic bytes', () => {
    expect(sniffImageType(png)).toBe('image/png');
    expect(sniffImageType(jpeg)).toBe('image/jpeg');
    expect(sniffImageType(webp)).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('<html>'))).toBeUndefined();
  });

  it('reports the real pixel size', async () => {
    await expect(verifyImage(png, 'image/png', 1e6)).resolves.toMatchObject({
      mediaType: 'image/png',
      width: 8,
      height: 4,
    });
    await expect(verifyImage(jpeg, 'image/jpg', 1e6)).resolves.toMatchObject({
      mediaType: 'image/jpeg',
    });
  });

  it('refuses a type mismatch, non-image bytes and too many pixels', async () => {
    await expect(verifyImage(jpeg, 'image/png', 1e6)).rejects.toThrow(
      /declared as image\/png but its bytes are image\/jpeg/,
    );
    await expect(
      verifyImage(new TextEncoder().encode('not an image at all'), 'image/png', 1e6),
    ).rejects.toMatchObject({
      code: 'bad_response',
    });
    await expect(verifyImage(png, 'image/png', 16)).rejects.toThrow(/8×4 pixels/);
  });
});
