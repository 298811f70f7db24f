import { type HeaderResult, OUTPUT_FORMATS } from '@headerforge/core/adapter';

export const VIRTUAL_ID = 'virtual:headerforge';
export const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;

/**
 * The code of `virtual:headerforge`. Every image is an `import` of its absolute path, so
 * Vite treats it as an asset: hashed and base-aware in a build, served in dev. Nothing
 * secret is in here: only paths of derived files and the post's own text.
 */
export function virtualModuleCode(
  headers: Iterable<HeaderResult>,
  flavour: 'vite' | 'astro' = 'vite',
): string {
  if (flavour === 'astro') return astroModuleCode(headers);
  const imports: string[] = [];
  const url = (file: string) => {
    const name = `u${imports.length}`;
    imports.push(`import ${name} from ${JSON.stringify(file)};`);
    return name;
  };
  const entries: string[] = [];
  for (const header of headers) {
    const { derived, job } = header;
    const srcset: string[] = [];
    let fallback: (typeof derived.variants)[number] | undefined;
    for (const format of OUTPUT_FORMATS) {
      const variants = derived.variants.filter((variant) => variant.format === format);
      if (variants.length === 0) continue;
      srcset.push(
        `${format}: [${variants.map((v) => `${url(v.file)} + ${JSON.stringify(` ${v.width}w`)}`).join(', ')}].join(', ')`,
      );
      fallback = variants.at(-1);
    }
    const src = fallback ?? derived.master;
    const fields = [
      `src: ${url(src.file)}`,
      `width: ${src.width}`,
      `height: ${src.height}`,
      `srcset: { ${srcset.join(', ')} }`,
      `placeholder: ${JSON.stringify(derived.lqip)}`,
      `color: ${JSON.stringify(derived.color)}`,
      `alt: ${JSON.stringify(job.alt)}`,
      `prompt: ${JSON.stringify(job.userPrompt)}`,
      `master: { src: ${url(derived.master.file)}, width: ${derived.master.width}, height: ${derived.master.height} }`,
      derived.og
        ? `og: { src: ${url(derived.og.file)}, width: ${derived.og.width}, height: ${derived.og.height} }`
        : 'og: undefined',
      `isPlaceholder: ${header.placeholder}`,
    ];
    entries.push(`  ${JSON.stringify(job.file)}: { ${fields.join(', ')} },`);
  }
  return moduleText(imports, entries);
}

/**
 * Astro's asset pipeline turns an image import into `ImageMetadata`, which `<Image>` and
 * `<Picture>` take as `src`: so only the exact-ratio master and the social card are
 * imported, and Astro makes the responsive variants with its own pipeline and cache.
 */
function astroModuleCode(headers: Iterable<HeaderResult>): string {
  const imports: string[] = [];
  const entries: string[] = [];
  for (const header of headers) {
    const { derived, job } = header;
    const image = `image${imports.length}`;
    imports.push(`import ${image} from ${JSON.stringify(derived.master.file)};`);
    let og = 'undefined';
    if (derived.og) {
      og = `og${imports.length}`;
      imports.push(`import ${og} from ${JSON.stringify(derived.og.file)};`);
    }
    const fields = [
      `image: ${image}`,
      `og: ${og}`,
      `placeholder: ${JSON.stringify(derived.lqip)}`,
      `color: ${JSON.stringify(derived.color)}`,
      `alt: ${JSON.stringify(job.alt)}`,
      `prompt: ${JSON.stringify(job.userPrompt)}`,
      `isPlaceholder: ${header.placeholder}`,
    ];
    entries.push(`  ${JSON.stringify(job.file)}: { ${fields.join(', ')} },`);
  }
  return moduleText(imports, entries);
}

function moduleText(imports: string[], entries: string[]): string {
  return `${imports.join('\n')}
export const headers = {
${entries.join('\n')}
};
${GET_HEADER}`;
}

const GET_HEADER = `
/** A post's header by its content path ("src/content/blog/a.md", absolute or "./"-relative too) or by an entry with a filePath. */
export function getHeader(pathOrEntry) {
  const raw = typeof pathOrEntry === 'string' ? pathOrEntry : pathOrEntry?.filePath ?? pathOrEntry?.file;
  if (typeof raw !== 'string') return undefined;
  const path = raw.replaceAll('\\\\', '/').replace(/^\\.?\\//, '');
  if (headers[path]) return headers[path];
  const match = Object.keys(headers).find((key) => path.endsWith('/' + key));
  return match === undefined ? undefined : headers[match];
}

export default headers;
`;
