import {
  type DerivedFile,
  type ModuleFields,
  socialCardAlt,
  socialCards,
  srcsetsByFormat,
} from '@headerforge/core/adapter';

export const VIRTUAL_ID = 'virtual:headerforge';
export const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;
/** The two ids exactly, as the bundler's hook filters take them. */
export const VIRTUAL_ID_FILTER = new RegExp(`^${VIRTUAL_ID}$`);
export const RESOLVED_VIRTUAL_ID_FILTER = new RegExp(`^${RESOLVED_VIRTUAL_ID}$`);

/**
 * A header in `virtual:headerforge` for a Vite site (typed in `client.d.ts`): asset URLs for
 * an `<img>`, a `srcset` string per format, the master and the social card.
 */
export const viteModuleFields: ModuleFields = (header, importFile) => {
  const { derived, job, placeholder } = header;
  const { groups, img } = srcsetsByFormat(derived);
  const srcset = groups.map(
    ({ format, variants }) =>
      `${format}: [${variants.map((v) => `${importFile(v.file)} + ${JSON.stringify(` ${v.width}w`)}`).join(', ')}].join(', ')`,
  );
  const image = ({ file, width, height }: DerivedFile) =>
    `{ src: ${importFile(file)}, width: ${width}, height: ${height} }`;
  const cards = socialCards(header).map(image);
  return {
    src: importFile(img.file),
    width: String(img.width),
    height: String(img.height),
    srcset: `{ ${srcset.join(', ')} }`,
    placeholder: JSON.stringify(derived.lqip),
    color: JSON.stringify(derived.color),
    alt: JSON.stringify(job.alt),
    prompt: JSON.stringify(job.userPrompt),
    master: image(derived.master),
    og: cards[0] ?? 'undefined',
    cards: `[${cards.join(', ')}]`,
    ogAlt: JSON.stringify(socialCardAlt(header)),
    isPlaceholder: String(placeholder),
  };
};
