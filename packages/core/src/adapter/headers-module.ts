import type { HeaderResult } from '../pipeline/summary.js';
import { findHeader } from './find-header.js';

/**
 * Adds `import <prefix><n> from "<file>"` to the module (prefix `u` unless given) and
 * returns that name, for use in field code.
 */
export type ImportFile = (file: string, prefix?: string) => string;

/**
 * A host's shape of one header in its module: property name (an identifier) → JavaScript
 * expression, in the order they are written. Files go in through `importFile`, in the
 * order it is called.
 */
export type ModuleFields = (
  header: HeaderResult,
  importFile: ImportFile,
) => Readonly<Record<string, string>>;

/**
 * The code of a headers module such as `virtual:headerforge`: `headers` (one entry per
 * post, keyed by content path, with the host's fields), `getHeader(pathOrEntry)`, and
 * `headers` as the default export. Every image is an `import` of its absolute path, so the
 * host's bundler treats it as an asset: hashed and base-aware in a build, served in dev.
 * Nothing secret is in here: only paths of derived files and the posts' own text.
 */
export function headersModuleCode(headers: Iterable<HeaderResult>, fields: ModuleFields): string {
  const imports: string[] = [];
  const importFile: ImportFile = (file, prefix = 'u') => {
    const name = `${prefix}${imports.length}`;
    imports.push(`import ${name} from ${JSON.stringify(file)};`);
    return name;
  };
  const entries: string[] = [];
  for (const header of headers) {
    const code = Object.entries(fields(header, importFile)).map(
      ([name, value]) => `${name}: ${value}`,
    );
    entries.push(`  ${JSON.stringify(header.job.file)}: { ${code.join(', ')} },`);
  }
  return `${imports.join('\n')}
export const headers = {
${entries.join('\n')}
};
${GET_HEADER}`;
}

// The module runs in the site's bundle, where core cannot be imported: it carries
// findHeader's own source, so a page's getHeader() and the build's lookups are one code.
// Bound to a name of its own, in case a bundler of this package renamed the function.
const GET_HEADER = `
const byPath = new Map(Object.entries(headers));
const findHeader = ${String(findHeader)};

/** A post's header by its content path ("src/content/blog/a.md", absolute or "./"-relative too) or by an entry with a filePath. */
export function getHeader(pathOrEntry) {
  return findHeader(byPath, pathOrEntry);
}

export default headers;
`;
