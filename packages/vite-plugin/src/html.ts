import { relative, sep } from 'node:path';
import {
  findHeader,
  HeaderforgeError,
  type HeaderResult,
  pictureMarkup,
  socialCardMeta,
} from '@headerforge/core/adapter';

/**
 * Expands header references in HTML pages, for sites without a framework:
 *
 *   <picture data-headerforge="posts/hello.md" data-sizes="(min-width: 960px) 960px, 100vw"></picture>
 *   <meta property="og:image" data-headerforge="posts/hello.md">
 *
 * The `og:image` meta brings `og:image:width`, `og:image:height`, `og:image:alt` and
 * `twitter:card` after it, from the post's first social card (its title card, else the crop).
 * The markup points at the derived files by root-relative path, and Vite's own HTML asset
 * handling then hashes, emits and base-prefixes them like any `<img src>` (and the
 * `og:image` / `twitter:image` meta content).
 */
const PICTURE = /<picture\b([^>]*?)\sdata-headerforge="([^"]*)"([^>]*)>\s*<\/picture>/gi;
const META = /<meta\b([^>]*?)\sdata-headerforge="([^"]*)"([^>]*?)\/?>/gi;

/** The posts a page names, as its `data-headerforge` attributes write them. */
export function headerReferences(html: string): string[] {
  return [...html.matchAll(PICTURE), ...html.matchAll(META)].map((match) => match[2] as string);
}

export function expandHeaderElements(
  html: string,
  headers: ReadonlyMap<string, HeaderResult>,
  context: { root: string; page: string },
): string {
  const find = (reference: string) => {
    const header = findHeader(headers, reference, { exact: true });
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
      const rest = `${before}${after}`;
      return pictureMarkup(find(reference), {
        url,
        sizes: /\sdata-sizes="([^"]*)"/.exec(rest)?.[1],
        attributes: rest.replace(/\sdata-sizes="[^"]*"/, ''),
      });
    })
    .replace(META, (_match, before: string, reference: string, after: string) => {
      const attributes = `${before}${after}`.replace(/\scontent="[^"]*"/, '').trimEnd();
      const meta = socialCardMeta(find(reference), { url, attributes });
      if (meta === undefined)
        throw new HeaderforgeError(
          'not_found',
          `${context.page}: data-headerforge="${reference}" asks for a social card, but the og option is off`,
        );
      return meta;
    });
}
