import path from 'node:path';
import { openWarmIndex } from '../cache/warm-index.js';
import { recallHeaders } from '../pipeline/recall-headers.js';
import type { HeaderResult } from '../pipeline/summary.js';
import { type BuildHeadersInput, siteSettings } from './build-headers.js';
import { isContentFile } from './content-listing.js';
import { contentPath } from './content-path.js';
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
    if (!isContentFile(file, options, input.only)) continue;
    const job = await scanFile(path.resolve(options.root, file), options);
    if (job) jobs.push(job);
  }
  if (jobs.length === 0) return [];
  const settings = { ...options, variants: input.variants !== false };
  // Read only: the first run learns the same and saves the index.
  const warmIndex = openWarmIndex(options.derivedCacheDir);
  return (await recallHeaders(jobs, settings, warmIndex, mode.mode)).headers;
}
