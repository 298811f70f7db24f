import { fromRaw, type RawImage } from './sharp-input.js';

// Histogramming a 4K master took 380 ms; a 256 px copy has the same dominant colour
// for a fraction of that.
const SAMPLE_SIDE = 256;

/**
 * The master's dominant colour as `#rrggbb`: the centre of the fullest bin of a 16×16×16
 * histogram of a 256 px copy (see `dominantOf`), a background for the image's box before
 * anything has loaded.
 */
export async function dominantColour(master: RawImage): Promise<string> {
  const { data, info } = await fromRaw(master)
    .resize(SAMPLE_SIDE, SAMPLE_SIDE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return `#${dominantOf(data, info.channels).map(hexByte).join('')}`;
}

/**
 * The dominant colour of 8-bit sRGB pixels (`channels` 3 or 4; a fourth, alpha, is ignored):
 * the fullest of 16×16×16 bins (a value's top four bits a channel), the first in green, red,
 * blue order on a tie, as the centre of its bin (16 × bin + 8). Counted here rather than by
 * sharp's `stats()`, which also measures entropy and sharpness (a greyscale copy and a
 * convolution), most of its time, for a colour that needs neither. On photographs it is the
 * colour `stats().dominant` gave (test/dominant-colour.test.ts holds it on the photo-like
 * pictures); on noise, where many bins hold about as many pixels, the two can differ.
 */
export function dominantOf(data: Uint8Array, channels: number): [number, number, number] {
  const counts = new Uint32Array(16 * 16 * 16);
  // Indexed as the scan goes: green, red, blue.
  for (let i = 0; i + 2 < data.length; i += channels) {
    const r = (data[i] as number) >> 4;
    const g = (data[i + 1] as number) >> 4;
    const b = (data[i + 2] as number) >> 4;
    const bin = (g << 8) | (r << 4) | b;
    counts[bin] = (counts[bin] as number) + 1;
  }
  let fullest = 0;
  for (let bin = 1; bin < counts.length; bin++)
    if ((counts[bin] as number) > (counts[fullest] as number)) fullest = bin;
  const g = fullest >> 8;
  const r = (fullest >> 4) & 15;
  const b = fullest & 15;
  return [r * 16 + 8, g * 16 + 8, b * 16 + 8];
}

function hexByte(value: number): string {
  return Math.min(255, Math.max(0, Math.round(value)))
    .toString(16)
    .padStart(2, '0');
}
