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

/**
 * A backslash, a drive letter, or an empty, `.` or `..` segment (a leading or trailing
 * slash, or two in a row, make an empty one; so does the empty path).
 */
const NOT_PLAIN = /\\|^[A-Za-z]:|(?:^|\/)\.{0,2}(?:\/|$)/;

/** Relative, forward slashes only, and no empty, `.` or `..` segment. */
function isPlainRelative(file: string): boolean {
  return !NOT_PLAIN.test(file);
}
