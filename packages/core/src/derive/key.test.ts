import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import {
  DERIVE_VERSION,
  derivativeKey,
  derivativeKeyFor,
  sharpMajor,
  WEBP_JPEG_VERSION,
} from './key.js';
import type { DeriveSpec } from './spec.js';

const original = 'a'.repeat(64);
const spec: DeriveSpec = {
  aspectRatio: '16:9',
  focus: 'attention',
  widths: [640, 960, 1280, 1600],
  formats: ['avif', 'webp', 'jpeg'],
  og: true,
};

describe('derivativeKey', () => {
  it('is a sha256 hex, stable for equal specs however they are written', () => {
    const key = derivativeKey(original, spec);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(derivativeKey(original, { ...spec })).toBe(key);
    expect(
      derivativeKey(original.toUpperCase(), {
        ...spec,
        widths: [1600, 640, 1280, 960, 640],
        formats: ['jpeg', 'webp', 'avif', 'webp'],
      }),
    ).toBe(key);
  });

  it.each<[string, Partial<DeriveSpec>]>([
    ['widths', { widths: [640, 960] }],
    ['formats', { formats: ['webp'] }],
    ['focus', { focus: 'top' }],
    ['aspect ratio', { aspectRatio: '21:9' }],
    ['og', { og: false }],
  ])('changes with %s', (_label, change) => {
    expect(derivativeKey(original, { ...spec, ...change })).not.toBe(derivativeKey(original, spec));
  });

  it('differs with and without variants, so the two sets never share a directory', () => {
    const without = derivativeKey(original, { ...spec, variants: false });
    expect(without).not.toBe(derivativeKey(original, spec));
    expect(without).not.toBe(derivativeKey(original, { ...spec, variants: true }));
  });

  it('keeps the key a set with variants had before the field existed', () => {
    expect(derivativeKey(original, { ...spec, variants: true })).toBe(
      derivativeKey(original, spec),
    );
  });

  it('ignores widths and formats without variants: they decide no file', () => {
    const without = derivativeKey(original, { ...spec, variants: false });
    expect(derivativeKey(original, { ...spec, widths: [320], formats: [], variants: false })).toBe(
      without,
    );
  });

  it('changes with the original', () => {
    expect(derivativeKey('b'.repeat(64), spec)).not.toBe(derivativeKey(original, spec));
  });

  it('uses the installed sharp’s major line, and changes when it changes', () => {
    const installed = sharpMajor(sharp.versions.sharp);
    expect(derivativeKey(original, spec)).toBe(derivativeKeyFor(original, spec, installed));
    expect(derivativeKeyFor(original, spec, '0.36')).not.toBe(
      derivativeKeyFor(original, spec, '0.35'),
    );
    expect(derivativeKeyFor(original, spec, '1')).not.toBe(
      derivativeKeyFor(original, spec, '0.35'),
    );
  });

  it('is the sha256 of the documented canonical JSON', () => {
    const json = JSON.stringify({
      v: DERIVE_VERSION,
      webpJpeg: WEBP_JPEG_VERSION,
      sharp: '0.35',
      original,
      spec: {
        aspectRatio: '16:9',
        focus: 'attention',
        widths: [640, 960, 1280, 1600],
        formats: ['avif', 'jpeg', 'webp'],
        og: true,
      },
    });
    expect(derivativeKeyFor(original, spec, '0.35')).toBe(
      createHash('sha256').update(json).digest('hex'),
    );
  });

  /** The sha256 of the canonical JSON the key is documented to hash, at sharp 0.35. */
  const documented = (change: Partial<DeriveSpec>, webpJpeg: boolean) => {
    const { aspectRatio, focus, widths, formats, og, variants } = { ...spec, ...change };
    const json = JSON.stringify({
      v: DERIVE_VERSION,
      ...(webpJpeg ? { webpJpeg: WEBP_JPEG_VERSION } : {}),
      sharp: '0.35',
      original,
      spec: {
        aspectRatio,
        focus,
        widths: variants === false ? [] : widths,
        formats: variants === false ? [] : formats,
        og,
        ...(variants === false ? { variants } : {}),
      },
    });
    return createHash('sha256').update(json).digest('hex');
  };

  it.each<[string, Partial<DeriveSpec>]>([
    ['without variants or the crop card (an Astro site’s)', { og: false, variants: false }],
    ['with AVIF variants only', { og: false, formats: ['avif'] }],
  ])('keeps the key it had before the WebP and JPEG encoders changed, %s', (_label, change) => {
    expect(derivativeKeyFor(original, { ...spec, ...change }, '0.35')).toBe(
      documented(change, false),
    );
  });

  it.each<[string, Partial<DeriveSpec>]>([
    ['WebP variants', { og: false, formats: ['webp'] }],
    ['JPEG variants', { og: false, formats: ['avif', 'jpeg'] }],
    ['the crop card', { og: true, variants: false }],
  ])('names the WebP and JPEG encoders’ version for a set with %s', (_label, change) => {
    const key = derivativeKeyFor(original, { ...spec, ...change }, '0.35');
    expect(key).toBe(documented(change, true));
    expect(key).not.toBe(documented(change, false));
  });

  it('rejects a spec no derivation could follow, naming the option', () => {
    expect(() => derivativeKey(original, { ...spec, widths: [640, 0] })).toThrow(/"widths"/);
    expect(() => derivativeKey(original, { ...spec, widths: [12.5] })).toThrow(HeaderforgeError);
    expect(() => derivativeKey(original, { ...spec, formats: [] })).toThrow(/"formats"/);
    expect(() =>
      derivativeKey(original, { ...spec, formats: ['gif' as 'webp'], variants: false }),
    ).toThrow(/"formats"/);
    expect(() => derivativeKey(original, { ...spec, formats: ['gif' as 'webp'] })).toThrow(
      /"formats"/,
    );
    expect(() => derivativeKey(original, { ...spec, focus: 'middle' as 'top' })).toThrow(/"focus"/);
  });
});

describe('sharpMajor', () => {
  it('keeps the minor for 0.x, where minors break, and drops patches', () => {
    expect(sharpMajor('0.35.5')).toBe('0.35');
    expect(sharpMajor('0.35.0-rc.1')).toBe('0.35');
    expect(sharpMajor('1.2.3')).toBe('1');
    expect(sharpMajor('2.0.0')).toBe('2');
  });
});
