import path from 'node:path';

/**
 * A content file as headerforge keys it (`HeaderJob.file`, the keys of the served headers
 * and of `virtual:headerforge`): relative to the project root, with forward slashes on
 * every OS, never `./`-prefixed. `file` may be absolute or relative to the root.
 */
export function contentPath(root: string, file: string): string {
  const relative = path.relative(root, path.resolve(root, file));
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}
