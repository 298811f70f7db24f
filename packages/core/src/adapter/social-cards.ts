import { cardTitle } from '../derive/card-title.js';
import type { DerivedFile } from '../derive/derived-set.js';
import type { HeaderResult } from '../pipeline/summary.js';
import { escapeAttribute } from './html-attribute.js';

/** A post's social cards, 1200×630 first: its title cards, else the header's crop, else none. */
export function socialCards(header: HeaderResult): DerivedFile[] {
  if (header.cards && header.cards.length > 0) return header.cards;
  return header.derived.og ? [header.derived.og] : [];
}

/**
 * The card's alt text (`og:image:alt`): a title card shows the title over the picture, so it
 * says both; the crop is the picture alone.
 */
export function socialCardAlt(header: HeaderResult): string {
  const { job } = header;
  if (!header.cards?.length) return job.alt;
  const title = cardTitle(job.og, job.title);
  if (!title) return job.alt;
  return job.alt ? `${title}, over ${lowerFirst(job.alt)}` : title;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * A post's social card as HTML meta tags, or undefined when the post has none: the tag with
 * `attributes` (`property="og:image"`, or `name="twitter:image"`…) and the card's URL; an
 * `og:image` tag then brings the ones describing it (`og:image:width`, `og:image:height`,
 * `og:image:alt`, `twitter:card`), one per line at `indent`.
 */
export function socialCardMeta(
  header: HeaderResult,
  {
    url,
    attributes,
    indent = '\n    ',
  }: { url: (file: string) => string; attributes: string; indent?: string },
): string | undefined {
  const [card] = socialCards(header);
  if (!card) return undefined;
  const tag = `<meta${attributes} content="${escapeAttribute(url(card.file))}">`;
  if (!/\sproperty="og:image"/.test(attributes)) return tag;
  return [
    tag,
    `<meta property="og:image:width" content="${card.width}">`,
    `<meta property="og:image:height" content="${card.height}">`,
    `<meta property="og:image:alt" content="${escapeAttribute(socialCardAlt(header))}">`,
    '<meta name="twitter:card" content="summary_large_image">',
  ].join(indent);
}
