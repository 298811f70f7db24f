// Types for `virtual:headerforge`. Add `"types": ["@headerforge/vite/client"]` to your
// tsconfig, or `/// <reference types="@headerforge/vite/client" />` in a .d.ts file.
declare module 'virtual:headerforge' {
  export interface HeaderImage {
    /** A Vite asset URL: hashed and base-aware in a build, served in dev. */
    src: string;
    width: number;
    height: number;
  }

  export interface Header extends HeaderImage {
    /** `srcset` per format ("url 640w, url 960w"), for `<source type="image/avif">` etc. */
    srcset: Partial<Record<'avif' | 'webp' | 'jpeg', string>>;
    /** A blurred data URL under 1 KB, to show until the image loads. */
    placeholder: string;
    /** The image's dominant colour, `#rrggbb`. */
    color: string;
    alt: string;
    /** The prompt as the post wrote it. */
    prompt: string;
    /** The exact-ratio image at full resolution (lossless PNG). */
    master: HeaderImage;
    /** The 1200×630 social card (the title card, or the header's crop), unless `og: false`. */
    og?: HeaderImage;
    /** Every social card, 1200×630 first, then the sizes `og.sizes` adds. */
    cards: HeaderImage[];
    /** Alt text of the card for `og:image:alt`: the title and the picture on a title card. */
    ogAlt: string;
    /** True while offline art stands in for the real image (no key, or still generating). */
    isPlaceholder: boolean;
  }

  /** Every post's header, keyed by its content file relative to the project root. */
  export const headers: Readonly<Record<string, Header>>;
  /** A post's header by content path, or by an entry object with a `filePath`. */
  export function getHeader(
    pathOrEntry: string | { filePath?: string; file?: string },
  ): Header | undefined;
  export default headers;
}
