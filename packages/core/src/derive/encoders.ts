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

/** Web quality for each format. Changing any of these must bump `DERIVE_VERSION`. */
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
      return image.webp({ quality: 80 });
    case 'jpeg':
      return image
        .flatten({ background: JPEG_BACKGROUND })
        .jpeg({ quality: 80, mozjpeg: true, progressive: true });
  }
}
