import type { MissingCardFonts } from '../derive/cards/card-fonts.js';
import type { HeaderJob } from './header-job.js';
import { postList } from './plan.js';

/**
 * The posts of a run whose title card became the header's crop because the fonts could not
 * draw their titles (see `cardPlan`), and what the fonts lacked for each. Reported once per
 * run, as one warning line, however many posts it touched.
 */
export type CardFallbacks = Map<HeaderJob, MissingCardFonts>;

/**
 * The run's one line about them, or undefined when there were none: how many posts, which
 * packages to install (then the next build draws their cards, with no request), and which
 * characters no bundled font draws at all (a font of the site's own covers those).
 */
export function cardFallbackWarning(fallbacks: CardFallbacks): string | undefined {
  if (fallbacks.size === 0) return undefined;
  // In the posts' order, not the order their images were ready in: the line is the same
  // on every build of the same site.
  const posts = [...fallbacks].sort(([a], [b]) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const packages = new Set<string>();
  const characters = new Set<string>();
  for (const [, missing] of posts) {
    for (const pkg of missing.packages) packages.add(pkg);
    for (const char of missing.characters) characters.add(char);
  }
  const files = posts.map(([job]) => job.file);
  const count = files.length === 1 ? '1 post has' : `${files.length} posts have`;
  const reasons: string[] = [];
  if (packages.size > 0)
    reasons.push(
      `their titles need fonts that are not installed: npm install ${[...packages].sort().join(' ')}`,
    );
  if (characters.size > 0) {
    const shown = [...characters].slice(0, 8).map((char) => `"${char}"`);
    reasons.push(
      `no bundled font draws ${shown.join(' ')}${characters.size > 8 ? ' …' : ''}: give a font that does with the og.font option`,
    );
  }
  return `social cards: ${count} the header's crop instead of a title card (${postList(files)}); ${reasons.join('; ')}`;
}
