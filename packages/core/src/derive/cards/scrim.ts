/** WCAG AA for normal text: the contrast a card's text keeps against what is under it. */
export const AA_CONTRAST = 4.5;

/** A box in pixels, edges included: `right`/`bottom` are the last column/row inside. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** sRGB 0–255 → linear light, as WCAG's relative luminance defines it. */
const LINEAR = Float64Array.from({ length: 256 }, (_, value) => {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** WCAG contrast of white text over a background of this luminance. */
export const contrastOfWhite = (background: number) => 1.05 / (background + 0.05);

/**
 * The scrim's darkness at each row (0 = untouched, 1 = black): `strength` over the text's
 * rows (with a margin), easing to 0 over `ramp` rows on the open sides, so the picture
 * shows through away from the text. A gradient, not a band: no hard edge crosses the image.
 */
export function scrimProfile(
  height: number,
  text: Box,
  strength: number,
  ramp: number,
): Float64Array {
  const profile = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const away = y < text.top ? text.top - y : y > text.bottom ? y - text.bottom : 0;
    const t = Math.max(0, 1 - away / ramp);
    // Smoothstep: no visible line where the ramp meets the flat part.
    profile[y] = strength * t * t * (3 - 2 * t);
  }
  return profile;
}

/**
 * The smallest scrim strength, from `minimum` up, at which white text keeps AA contrast
 * against every pixel of `text` once darkened, and the contrast it then gets. Checked on
 * the real pixels under the text, not an average: one bright patch behind a letter fails
 * the check. Black (strength 1) always passes.
 */
export function scrimFor(
  rgb: Uint8Array,
  width: number,
  text: Box,
  minimum: number,
): { strength: number; contrast: number } {
  for (let strength = minimum; ; strength = Math.min(1, strength + 0.05)) {
    const brightest = brightestUnder(rgb, width, text, 1 - strength);
    const contrast = contrastOfWhite(brightest);
    if (contrast >= AA_CONTRAST || strength >= 1) return { strength, contrast };
  }
}

/** The table of each byte value scaled by `keep` (and rounded), as `applyScrim` darkens it. */
function scaled(keep: number): Uint8Array {
  // A plain loop: `Uint8Array.from` with a mapping function took ten times as long, and a
  // card's scrim makes a table for each of its ~200 ramp rows.
  const table = new Uint8Array(256);
  for (let value = 0; value < 256; value++) table[value] = Math.round(value * keep);
  return table;
}

function brightestUnder(rgb: Uint8Array, width: number, box: Box, keep: number): number {
  const table = scaled(keep);
  const r = Float64Array.from(table, (value) => 0.2126 * (LINEAR[value] as number));
  const g = Float64Array.from(table, (value) => 0.7152 * (LINEAR[value] as number));
  const b = Float64Array.from(table, (value) => 0.0722 * (LINEAR[value] as number));
  let brightest = 0;
  for (let y = box.top; y <= box.bottom; y++) {
    const end = (y * width + box.right) * 3;
    for (let i = (y * width + box.left) * 3; i <= end; i += 3) {
      const l =
        (r[rgb[i] as number] as number) +
        (g[rgb[i + 1] as number] as number) +
        (b[rgb[i + 2] as number] as number);
      if (l > brightest) brightest = l;
    }
  }
  return brightest;
}

/** Darkens `rgb` (3 channels) in place, row by row, by the profile. */
export function applyScrim(rgb: Uint8Array, width: number, profile: Float64Array): void {
  // The rows over the text share one strength, and the ramps repeat theirs: a table per
  // distinct darkness, not per row.
  const tables = new Map<number, Uint8Array>();
  const row = width * 3;
  for (let y = 0; y < profile.length; y++) {
    const keep = 1 - (profile[y] as number);
    if (keep === 1) continue;
    let table = tables.get(keep);
    if (!table) {
      table = scaled(keep);
      tables.set(keep, table);
    }
    const end = (y + 1) * row;
    for (let i = y * row; i < end; i++) rgb[i] = table[rgb[i] as number] as number;
  }
}

/** Where an overlay sits on the picture: its top-left corner and its size, in pixels. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Draws a premultiplied RGBA overlay (resvg's pixels) over `region` of `rgb` (3 channels, a
 * picture `width` wide), in place.
 */
export function blendOver(
  rgb: Uint8Array,
  rgba: Uint8Array,
  { width, region }: { width: number; region: Region },
): void {
  // Most of a card's overlay is transparent: skip it a pixel (one 32-bit word) at a time.
  const pixels = rgba.byteOffset % 4 === 0 ? rgba : rgba.slice();
  const words = new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >>> 2);
  for (let row = 0, w = 0; row < region.height; row++) {
    let p = ((region.top + row) * width + region.left) * 3;
    for (const end = w + region.width; w < end; w++, p += 3) {
      if (words[w] === 0) continue;
      const q = w * 4;
      const alpha = pixels[q + 3] as number;
      if (alpha === 0) continue;
      const rest = 1 - alpha / 255;
      rgb[p] = Math.round((pixels[q] as number) + (rgb[p] as number) * rest);
      rgb[p + 1] = Math.round((pixels[q + 1] as number) + (rgb[p + 1] as number) * rest);
      rgb[p + 2] = Math.round((pixels[q + 2] as number) + (rgb[p + 2] as number) * rest);
    }
  }
}
