import { type Dirent, readdirSync } from 'node:fs';
import path, { matchesGlob } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import type { WarmIndex } from '../cache/warm-index.js';
import type { ResolvedHeaderforgeOptions } from './options.js';

/** Folders never content, however wide the include globs. */
const NEVER_CONTENT = ['node_modules', 'dist', '.git'];
export const ALWAYS_EXCLUDED = NEVER_CONTENT.map((name) => `**/${name}/**`);
/** Folder names never walked, as `ALWAYS_EXCLUDED` leaves them out. */
const NEVER_WALKED = new Set(NEVER_CONTENT);
/** Past this many folders a listing is not remembered: stamping them would cost the glob's time. */
const MAX_FOLDERS = 2000;

/**
 * The content files `include` matches (less `exclude`), relative to the root, in code-unit
 * order (the same on every machine).
 *
 * A warm build takes the list the last build globbed, while every folder it could have
 * found a file in is unchanged: a file added, removed or renamed in a folder changes that
 * folder's mtime, and so does a folder added in it. The folders are all of those under each
 * include pattern's fixed part, excluded or not (a superset: a change there only means a
 * glob), stamped before the glob runs, so a change made while it runs is seen next time.
 * Not remembered when a folder is a symlink (its target's changes would go unseen) or when
 * there are too many folders to stamp cheaply.
 */
export async function listContent(
  options: ResolvedHeaderforgeOptions,
  warmIndex?: WarmIndex,
): Promise<string[]> {
  // Not the root: the files are relative to it, and the folders' stamps to the cache.
  const id = JSON.stringify([options.include, options.exclude]);
  const known = warmIndex?.recall<string[]>('listings', id);
  if (known) return known;
  const folders = warmIndex && foldersSearched(options);
  const stamps = folders && warmIndex?.stamp(folders);
  const files = await glob(options.include, {
    cwd: options.root,
    absolute: false,
    ignore: [...ALWAYS_EXCLUDED, ...options.exclude],
    onlyFiles: true,
    // `src/content` must not silently mean every file below it, images included.
    expandDirectories: false,
  });
  files.sort();
  if (stamps) warmIndex?.remember('listings', id, stamps, files);
  return files;
}

/**
 * Every folder under the fixed part of each include pattern (`src/content` of
 * `src/content/**\/*.md`), absolute; undefined when one is a symlink or there are too many.
 */
function foldersSearched(options: ResolvedHeaderforgeOptions): string[] | undefined {
  const bases = new Set<string>();
  for (const pattern of options.include) {
    if (pattern.startsWith('!')) continue;
    bases.add(path.resolve(options.root, picomatch.scan(pattern).base));
  }
  const folders: string[] = [];
  const pending = [...bases];
  const seen = new Set<string>();
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    if (seen.has(folder)) continue;
    seen.add(folder);
    folders.push(folder);
    if (folders.length > MAX_FOLDERS) return undefined;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      // A base that does not exist yet: its parent is not stamped, so it is not remembered.
      return undefined;
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) return undefined;
      if (entry.isDirectory() && !NEVER_WALKED.has(entry.name)) {
        pending.push(path.join(folder, entry.name));
      }
    }
  }
  return folders;
}

/**
 * Whether the scan would find `file` (relative to the root, as `contentPath` gives it):
 * matched by `include` (and `only`, as `buildHeaders` filters), not left out. With picomatch,
 * as the scan's glob (tinyglobby) matches, and already loaded by it: Node's own `matchesGlob`
 * loads its matcher on first use (~5 ms). Whether the file exists is the caller's to see.
 */
export function isContentFile(
  file: string,
  options: ResolvedHeaderforgeOptions,
  only?: string,
): boolean {
  const matches = (patterns: string[]) => picomatch(patterns, { posix: true })(file);
  return (
    matches(options.include) &&
    !matches([...ALWAYS_EXCLUDED, ...options.exclude]) &&
    (only === undefined || matchesGlob(file, only))
  );
}
