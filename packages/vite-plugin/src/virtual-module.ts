import { type DerivedFile, type ModuleFields, srcsetsByFormat } from '@headerforge/core/adapter';

export const VIRTUAL_ID = 'virtual:headerforge';
export const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;

/**
 * A header in `virtual:headerforge` for a Vite site (typed in `client.d.ts`): asset URLs for
 * an `<img>`, a `srcset` string per format, the master and the social card.
 */
export const viteModuleFields: ModuleFields = ({ derived, job, placeholder }, importFile) => {
  const { groups, img } = srcsetsByFormat(derived);
  const srcset = groups.map(
    ({ format, variants }) =>
      `${format}: [${variants.map((v) => `${importFile(v.file)} + ${JSON.stringify(` ${v.width}w`)}`).join(', ')}].join(', ')`,
  );
  const image = ({ file, width, height }: DerivedFile) =>
    `{ src: ${importFile(file)}, width: ${width}, height: ${height} }`;
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
    og: derived.og ? image(derived.og) : 'undefined',
    isPlaceholder: String(placeholder),
  };
};
