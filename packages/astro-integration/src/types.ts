/** The types of `virtual:headerforge` in an Astro project, injected into `.astro/`. */
export const HEADERFORGE_TYPES = `declare module 'virtual:headerforge' {
  import type { ImageMetadata } from 'astro';

  export interface Header {
    /** The exact-ratio header: give it to <Image> or <Picture> as \`src\`. */
    image: ImageMetadata;
    /** The 1200×630 social card (the title card, or the header's crop), unless \`og: false\`. */
    og?: ImageMetadata;
    /** Every social card, 1200×630 first, then the sizes \`og.sizes\` adds. */
    cards: ImageMetadata[];
    /** Alt text of the card for \`og:image:alt\`: the title and the picture on a title card. */
    ogAlt: string;
    /** A blurred data URL under 1 KB, to show until the image loads. */
    placeholder: string;
    /** The image's dominant colour, \`#rrggbb\`. */
    color: string;
    alt: string;
    /** The prompt as the post wrote it. */
    prompt: string;
    /** True while offline art stands in for the real image (no key, or still generating). */
    isPlaceholder: boolean;
  }

  /** Every post's header, keyed by its content file relative to the project root. */
  export const headers: Readonly<Record<string, Header>>;
  /** A post's header by content-collection entry (its \`filePath\`) or by path. */
  export function getHeader(entryOrPath: { filePath?: string } | string): Header | undefined;
  export default headers;
}
`;
