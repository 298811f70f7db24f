import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sharpCalls } from '../testing/sharp-calls.test-support.js';
import { generationKey, sha256Hex } from './keys.js';
import { checkRemoteImage, checkRemotePixels } from './remote-entry.js';
import type { Sidecar } from './sidecar.js';

// Every sharp() call in this file's module graph is counted: the header check makes none.
vi.mock('sharp', async (original) =>
  (await import('../testing/sharp-calls.test-support.js')).countedSharpModule(await original()),
);

const input = {
  provider: 'openrouter',
  prompt: 'A lighthouse at dusk',
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
} as const;

/** Noise, so that every byte of the compressed body matters. */
const noisy = (format: 'png' | 'jpeg') =>
  sharp({
    create: {
      width: 320,
      height: 180,
      channels: 3,
      background: '#000000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .toFormat(format)
    .toBuffer();

function sidecarOf(bytes: Uint8Array, overrides: Partial<Sidecar> = {}): Sidecar {
  const key = generationKey(input);
  return {
    schema: 1,
    key,
    ...input,
    placeholder: false,
    seed: null,
    file: `${key}.png`,
    mediaType: 'image/png',
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    width: 320,
    height: 180,
    created: '2026-01-01T00:00:00.000Z',
    costUsd: null,
    generationId: null,
    usage: null,
    sources: ['post.md'],
    ...overrides,
  };
}

let png: Buffer;
beforeAll(async () => {
  png = await noisy('png');
});

describe('checking a remote image by its hash and header', () => {
  it('accepts the bytes its sidecar describes, without a sharp call', () => {
    sharpCalls.count = 0;
    expect(checkRemoteImage(sidecarOf(png), png)).toBeUndefined();
    expect(sharpCalls.count).toBe(0);
  });

  it('refuses bytes with a valid header that do not match the hash', () => {
    const changed = Buffer.from(png);
    const middle = Math.floor(changed.length / 2);
    changed[middle] = (changed[middle] as number) ^ 0xff;
    expect(changed.subarray(0, 33).equals(png.subarray(0, 33))).toBe(true);
    expect(checkRemoteImage(sidecarOf(png), changed)).toMatch(/does not match its sidecar’s hash/);
  });

  it('refuses a truncated body (a partial upload)', () => {
    const truncated = png.subarray(0, png.length - 100);
    expect(checkRemoteImage(sidecarOf(png), truncated)).toBe(
      `the image has ${truncated.length} bytes, its sidecar says ${png.length}`,
    );
  });

  it('refuses bytes of another format, even when the sidecar was forged to match them', async () => {
    const jpeg = await noisy('jpeg');
    expect(checkRemoteImage(sidecarOf(jpeg), jpeg)).toBe(
      'the image is not the image/png its sidecar says',
    );
    const text = new TextEncoder().encode('not an image at all');
    expect(checkRemoteImage(sidecarOf(text), text)).toBe(
      'the image is not the image/png its sidecar says',
    );
  });

  it('refuses a header whose size is not the one the sidecar records', () => {
    expect(checkRemoteImage(sidecarOf(png, { width: 1344, height: 768 }), png)).toBe(
      'the image is 320×180, its sidecar says 1344×768',
    );
  });

  it('a header cut short is not an image', () => {
    const stub = png.subarray(0, 12);
    expect(checkRemoteImage(sidecarOf(stub), stub)).toMatch(/not the image\/png/);
  });
});

describe('decoding a remote image, when its pixels will be needed', () => {
  it('passes a whole image, and refuses a truncated one whose forged sidecar matches it', async () => {
    expect(await checkRemotePixels(sidecarOf(png), png)).toBeUndefined();
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    const forged = sidecarOf(truncated);
    // Its header is intact, so only decoding finds what is missing.
    expect(checkRemoteImage(forged, truncated)).toBeUndefined();
    expect(await checkRemotePixels(forged, truncated)).toBe('the image does not decode');
  });
});
