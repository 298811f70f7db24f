import path from 'node:path';

/**
 * A content file as headerforge keys it (`HeaderJob.file`, the keys of the served headers
 * and of `virtual:headerforge`): relative to the project root, with forward slashes on
 * every OS, never `./`-prefixed. `file` may be absolute or relative to the root.
 */
export function contentPath(root: string, file: string): string {
  // A glob's own answer is that already: no need to resolve and relativise it.
  if (isPlainRelative(file)) return file;
  const relative = path.relative(root, path.resolve(root, file));
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

/** Relative, forward slashes only, and no empty, `.` or `..` segment. */
function isPlainRelative(file: string): boolean {
  if (file === '' || file.startsWith('/') || file.includes('\\') || /^[A-Za-z]:/.test(file))
    return false;
  return file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
