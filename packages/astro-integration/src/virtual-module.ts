import type { ModuleFields } from '@headerforge/core/adapter';
// From the light entry: importing @headerforge/astro must not load the rest of core.
import { socialCardAlt, socialCards } from '@headerforge/core/adapter/light';

/**
 * A header in `virtual:headerforge` for an Astro site (typed in `types.ts`). Astro's asset
 * pipeline turns an image import into `ImageMetadata`, which `<Image>` and `<Picture>` take
 * as `src`: so only the exact-ratio master and the social card are imported, and Astro makes
 * the responsive variants with its own pipeline and cache.
 */
export const astroModuleFields: ModuleFields = (header, importFile) => {
  const { derived, job, placeholder } = header;
  const cards = socialCards(header).map((card) => importFile(card.file, 'og'));
  return {
    image: importFile(derived.master.file, 'image'),
    og: cards[0] ?? 'undefined',
    cards: `[${cards.join(', ')}]`,
    ogAlt: JSON.stringify(socialCardAlt(header)),
    placeholder: JSON.stringify(derived.lqip),
    color: JSON.stringify(derived.color),
    alt: JSON.stringify(job.alt),
    prompt: JSON.stringify(job.userPrompt),
    isPlaceholder: String(placeholder),
  };
};
