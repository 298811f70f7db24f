import { describe, expect, it } from 'vitest';
import { ratioValue } from '../image/ratios.js';
import { variantSizes } from './variants.js';

const sixteenNine = ratioValue('16:9');

describe('variantSizes', () => {
  it('keeps the widths the master can fill, heights at the exact ratio', () => {
    expect(variantSizes(1344, sixteenNine, [640, 960, 1280, 1600])).toEqual([
      { width: 640, height: 360 },
      { width: 960, height: 540 },
      { width: 1280, height: 720 },
    ]);
  });

  it('includes a width equal to the master', () => {
    expect(variantSizes(1344, sixteenNine, [1344, 2000]).map((s) => s.width)).toEqual([1344]);
  });

  it('falls back to the master width when every width is larger (never upscales)', () => {
    expect(variantSizes(672, sixteenNine, [960, 1280])).toEqual([{ width: 672, height: 378 }]);
    expect(variantSizes(672, sixteenNine, [])).toEqual([{ width: 672, height: 378 }]);
  });

  it('sorts and dedupes, and rounds heights to the nearest pixel', () => {
    expect(variantSizes(1536, ratioValue('21:9'), [500, 300, 500])).toEqual([
      { width: 300, height: 129 },
      { width: 500, height: 214 },
    ]);
  });
});
