import { relative, sep } from 'node:path';
import {
  findHeader,
  HeaderforgeError,
  type HeaderResult,
  OUTPUT_FORMATS,
} from '@headerforge/core/adapter';

/**
 * Expands header references in HTML pages, for sites without a framework:
 *
 *   <picture data-headerforge="posts/hello.md" data-sizes="(min-width: 960px) 960px, 100vw"></picture>
 *   <meta property="og:image" data-headerforge="posts/hello.md">
 *
 * The markup points at the derived files by root-relative path, and Vite's own HTML asset
 * handling then hashes, emits and base-prefixes them like any `<img src>` (and the
 * `og:image` / `twitter:image` meta content).
 */
const PICTURE = /<picture\b([^>]*?)\sdata-headerforge="([^"]*)"([^>]*)>\s*<\/picture>/gi;
const META = /<meta\b([^>]*?)\sdata-headerforge="([^"]*)"([^>]*?)\/?>/gi;

const attr = (value: string) =>
  value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');

export function expandHeaderElements(
  html: string,
  headers: ReadonlyMap<string, HeaderResult>,
  context: { root: string; page: string },
): string {
  const find = (reference: string) => {
    const header = findHeader(headers, reference);
    if (!header) {
      const known = [...headers.keys()].slice(0, 5).join(', ');
      throw new HeaderforgeError(
        'not_found',
        `${context.page}: data-headerforge="${reference}" names no post with a header`,
        {
          hint: `Use a content path relative to the project root${known ? `, e.g. ${known}` : ''}.`,
        },
      );
    }
    return header;
  };
  const url = (file: string) => {
    const path = relative(context.root, file).split(sep).join('/');
    // Outside the root (a custom cache folder) only the dev server can reach it, via /@fs.
    return path.startsWith('../') ? `/@fs${file}` : `/${path}`;
  };

  return html
    .replace(PICTURE, (_match, before: string, reference: string, after: string) => {
      const header = find(reference);
      const rest = `${before}${after}`;
      const sizes = /\sdata-sizes="([^"]*)"/.exec(rest)?.[1] ?? '100vw';
      const attributes = rest.replace(/\sdata-sizes="[^"]*"/, '');
      return pictureMarkup(header, url, sizes, attributes);
    })
    .replace(META, (_match, before: string, reference: string, after: string) => {
      const og = find(reference).derived.og;
      if (!og)
        throw new HeaderforgeError(
          'not_found',
          `${context.page}: data-headerforge="${reference}" asks for a social card, but the og option is off`,
        );
      const attributes = `${before}${after}`.replace(/\scontent="[^"]*"/, '').trimEnd();
      return `<meta${attributes} content="${attr(url(og.file))}">`;
    });
}

function pictureMarkup(
  header: HeaderResult,
  url: (file: string) => string,
  sizes: string,
  attributes: string,
): string {
  const { derived, job } = header;
  const sources: string[] = [];
  let fallback: (typeof derived.variants)[number][] = [];
  for (const format of OUTPUT_FORMATS) {
    const variants = derived.variants.filter((variant) => variant.format === format);
    if (variants.length === 0) continue;
    const srcset = variants.map((variant) => `${url(variant.file)} ${variant.width}w`).join(', ');
    sources.push(`<source type="image/${format}" srcset="${attr(srcset)}" sizes="${attr(sizes)}">`);
    fallback = variants;
  }
  // The last format doubles as the <img> fallback, so it needs no <source> of its own.
  sources.pop();
  const img = fallback.at(-1) ?? derived.master;
  const imgSrcset = fallback.map((variant) => `${url(variant.file)} ${variant.width}w`).join(', ');
  const style = `background: ${derived.color} url(${derived.lqip}) center / cover no-repeat`;
  return [
    `<picture${attributes} style="${attr(style)}">`,
    ...sources,
    `<img src="${attr(url(img.file))}"${imgSrcset ? ` srcset="${attr(imgSrcset)}" sizes="${attr(sizes)}"` : ''} width="${img.width}" height="${img.height}" alt="${attr(job.alt)}" loading="lazy" decoding="async">`,
    '</picture>',
  ].join('');
}
