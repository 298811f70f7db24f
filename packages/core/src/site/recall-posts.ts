import path, { matchesGlob } from 'node:path';
import picomatch from 'picomatch';
import { openWarmIndex } from '../cache/warm-index.js';
import { recallHeaders } from '../pipeline/recall-headers.js';
import type { HeaderResult } from '../pipeline/summary.js';
import { type BuildHeadersInput, siteSettings } from './build-headers.js';
import { ALWAYS_EXCLUDED } from './content-listing.js';
import { contentPath } from './content-path.js';
import type { ResolvedHeaderforgeOptions } from './options.js';
import { scanFile } from './scan.js';

/**
 * What a dev server's first run (`buildHeaders` with `deferWork`) serves for `files` alone:
 * each is read and recalled on its own (made when the caches hold it made, else pending), at
 * the cost of those posts, not of a scan of the whole site. So a first page that names a few
 * posts is answered before that scan. A file that is not content (not matched by `include`,
 * or gone) or has no header is left out; a post whose frontmatter is invalid throws as the
 * scan would.
 */
export async function recallPosts(
  input: BuildHeadersInput,
  files: readonly string[],
): Promise<HeaderResult[]> {
  const { options, mode } = siteSettings(input);
  if (mode.mode === 'off') return [];
  const jobs = [];
  for (const file of new Set(files.map((file) => contentPath(options.root, file)))) {
    if (!isContent(file, options, input.only)) continue;
    const job = await scanFile(path.resolve(options.root, file), options);
    if (job) jobs.push(job);
  }
  if (jobs.length === 0) return [];
  const settings = { ...options, variants: input.variants !== false };
  // Read only: the first run learns the same and saves the index.
  const warmIndex = openWarmIndex(options.derivedCacheDir);
  return (await recallHeaders(jobs, settings, warmIndex, mode.mode)).headers;
}

/**
 * Whether the scan would find `file`: matched by `include` (and `only`, as `buildHeaders`
 * filters), not left out. With picomatch, as the scan's glob (tinyglobby) matches, and
 * already loaded by it: Node's own `matchesGlob` loads its matcher on first use (~5 ms).
 */
function isContent(
  file: string,
  options: ResolvedHeaderforgeOptions,
  only: string | undefined,
): boolean {
  const matches = (patterns: string[]) => picomatch(patterns, { posix: true })(file);
  return (
    matches(options.include) &&
    !matches([...ALWAYS_EXCLUDED, ...options.exclude]) &&
    (only === undefined || matchesGlob(file, only))
  );
}
