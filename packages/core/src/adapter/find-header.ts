/** What a page has at hand to name a post: its content path, or a collection entry. */
export type PostReference =
  | string
  | { filePath?: string | undefined; file?: string | undefined }
  | null
  | undefined;

/**
 * A post's header by its content path, as keyed ("src/content/blog/a.md"), `./`- or
 * `/`-prefixed, with Windows separators, or absolute (it then matches the key it ends
 * with); or by an entry with a `filePath` (Astro's collections) or a `file`. With
 * `exact`, only the key itself matches (HTML references name posts as keyed, and a typo
 * there must fail the build, not find another post that ends the same way).
 *
 * Written to be embedded: `virtual:headerforge` carries this function's source as its
 * `getHeader`, because that module runs in the site's own bundle (in a browser, too),
 * where neither Node nor this package can be imported. So it must stay self-contained:
 * no imports, no names from outside its body, nothing a browser lacks.
 */
export function findHeader<T>(
  headers: ReadonlyMap<string, T>,
  pathOrEntry: PostReference,
  options?: { exact?: boolean },
): T | undefined {
  const raw =
    typeof pathOrEntry === 'string' ? pathOrEntry : (pathOrEntry?.filePath ?? pathOrEntry?.file);
  if (typeof raw !== 'string') return undefined;
  const path = raw.replaceAll('\\', '/').replace(/^\.?\//, '');
  const exact = headers.get(path);
  if (exact !== undefined || options?.exact) return exact;
  for (const [key, header] of headers) {
    if (path.endsWith(`/${key}`)) return header;
  }
  return undefined;
}
