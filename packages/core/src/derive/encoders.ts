import type { Sharp } from 'sharp';
import type { OutputFormat } from '../image/output-formats.js';

/** File extension per format, as browsers and servers expect it. */
export const EXTENSIONS: Readonly<Record<OutputFormat, string>> = {
  avif: 'avif',
  webp: 'webp',
  jpeg: 'jpg',
};

/** JPEG has no alpha; a transparent original gets white behind it rather than black. */
const JPEG_BACKGROUND = '#ffffff';

/**
 * Web quality for each format. Changing AVIF's must bump `DERIVE_VERSION`; WebP's or JPEG's,
 * `WEBP_JPEG_VERSION` (see key.ts).
 */
export function encode(image: Sharp, format: OutputFormat): Sharp {
  switch (format) {
    case 'avif':
      // sharp's default effort (4) took 40× WebP's time. Measured with sharp 0.35.5 on a
      // tiled photograph, 2-core x86-64 box, sharp.concurrency() = 1 (its glibc default),
      // median ms — WebP q80 effort 4 vs AVIF q55 at effort 0 / 1 / 4:
      //   1344×756:   WebP 117–124 | AVIF  88–94 / 343–359 /  5040 (effort 4, q50)
      //   5376×3024:  WebP 1775–1795 | AVIF 1583–1636 / 5238–5583 / 65678 (effort 4, q50)
      // Only effort 0 stays within 2× WebP (≈0.8×); it still made files ~40% smaller than
      // WebP q80. q55 rather than sharp's 50 buys back some of the detail effort 0 drops.
      return image.avif({ quality: 55, effort: 0 });
    case 'webp':
      // Effort 2, not sharp's 4: 40% less CPU for 5% more bytes and a luma SSIM 0.003
      // lower (bench/README.md, "Variant and crop card encoders"). WebP is what a browser
      // without AVIF gets; a cold build encodes it at every width.
      return image.webp({ quality: 80, effort: 2 });
    case 'jpeg':
      // libjpeg-turbo with optimised Huffman tables at q75, not mozjpeg at q80: about half
      // the CPU for 7% more bytes, at a higher luma SSIM (same section). JPEG is the last
      // fallback of `<picture>`, which nearly no browser takes.
      return image
        .flatten({ background: JPEG_BACKGROUND })
        .jpeg({ quality: 75, optimiseCoding: true, progressive: true });
  }
}

/**
 * A social card's JPEG, the crop card's and the title card's alike: libjpeg-turbo with
 * optimised Huffman tables. mozjpeg's trellis search took ~4× the time for ~10% smaller
 * title cards, and a card is fetched once per share, not per page view. Changing it must
 * bump `WEBP_JPEG_VERSION` (the crop card) and `CARD_RENDERER_VERSION` (title cards).
 */
export function encodeCard(image: Sharp): Sharp {
  return image.flatten({ background: JPEG_BACKGROUND }).jpeg({ quality: 85, optimiseCoding: true });
}
