import { normalize, sep } from 'node:path';

/** Each cache folder as normalised, with its trailing separator. */
const folders = new Map<string, string>();

/**
 * `join(folder, ...names)` for bare names (no separator, not `.` or `..`), such as a key
 * and its shard: the folder is normalised once, and the names are appended. A warm build
 * makes a few of these paths per post, and `join` rebuilds the whole string character by
 * character every time (about a tenth of a 1,000-post warm lookup). For the caches' few
 * folders: each folder passed is kept.
 */
export function childPath(folder: string, ...names: string[]): string {
  let prefix = folders.get(folder);
  if (prefix === undefined) {
    const normalised = normalize(folder);
    prefix = normalised.endsWith(sep) ? normalised : `${normalised}${sep}`;
    folders.set(folder, prefix);
  }
  return `${prefix}${names.join(sep)}`;
}
