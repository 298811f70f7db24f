import { cardTitle } from '../derive/card-title.js';
import type { DerivedFile } from '../derive/derived-set.js';
import type { HeaderResult } from '../pipeline/summary.js';

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
