import type { DerivedFile } from '../derive/derived-set.js';
import type { HeaderResult } from '../pipeline/summary.js';
import { escapeAttribute } from './html-attribute.js';
import { srcsetsByFormat } from './srcsets.js';

export interface PictureOptions {
  /** The URL the page uses for a derived file (absolute path in, URL out). */
  url: (file: string) => string;
  /** The `sizes` of every srcset. Default `100vw`. */
  sizes?: string | undefined;
  /** Attributes for the `<picture>` element, as HTML, each with its leading space. */
  attributes?: string | undefined;
}

/**
 * A header as a `<picture>`: a `<source>` per format, best first, with the last format as
 * the `<img>` (its widest variant as `src`), and the dominant colour and blurred
 * placeholder as the background until the image loads.
 */
export function pictureMarkup(
  { derived, job, source }: HeaderResult,
  { url, sizes = '100vw', attributes = '' }: PictureOptions,
): string {
  const { groups, img } = srcsetsByFormat(derived);
  const srcset = (variants: readonly DerivedFile[]) =>
    variants.map((variant) => `${url(variant.file)} ${variant.width}w`).join(', ');
  // The last format is the <img>'s, so it needs no <source> of its own.
  const sources = groups
    .slice(0, -1)
    .map(
      ({ format, variants }) =>
        `<source type="image/${format}" srcset="${escapeAttribute(srcset(variants))}" sizes="${escapeAttribute(sizes)}">`,
    );
  const imgSrcset = srcset(groups.at(-1)?.variants ?? []);
  // A pending stand-in's blurred placeholder is a plain image of its colour: the colour says
  // it all, and a style with no url() spares a dev server's first page Vite's CSS pipeline.
  const style =
    source === 'pending'
      ? `background: ${derived.color}`
      : `background: ${derived.color} url(${derived.lqip}) center / cover no-repeat`;
  return [
    `<picture${attributes} style="${escapeAttribute(style)}">`,
    ...sources,
    `<img src="${escapeAttribute(url(img.file))}"${imgSrcset ? ` srcset="${escapeAttribute(imgSrcset)}" sizes="${escapeAttribute(sizes)}"` : ''} width="${img.width}" height="${img.height}" alt="${escapeAttribute(job.alt)}" loading="lazy" decoding="async">`,
    '</picture>',
  ].join('');
}
