import { type CompactedEntry, compactEntry } from '../cache/compact-entry.js';
import { openCommittedStore } from '../cache/store.js';
import { resolveOptions } from '../site/options.js';
import type { CliIO } from './io.js';
import { loadSite } from './load-site.js';

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * `headerforge compact`: stores the images of an existing cache compactly, in place (see
 * `compactEntry`), each entry under its key's lock so that a build never sees it half done.
 */
export async function compact(
  flags: { root: string; config?: string; json?: boolean; dryRun?: boolean },
  io: CliIO,
): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const options = resolveOptions(site.options, site);
  const store = openCommittedStore(options);
  const results: CompactedEntry[] = [];
  const problems: string[] = [];
  for (const entry of (await store.list()).entries) {
    const read = await store.readSidecar(entry);
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    const lock = await store.lock(entry.key);
    try {
      // Read again under the lock: a build may have just rewritten it.
      const again = await store.readSidecar(entry);
      if ('problem' in again) continue;
      const done = await compactEntry(entry, again.sidecar, { dryRun: Boolean(flags.dryRun) });
      problems.push(...done.problems);
      if (done.images > 0) results.push(done);
    } finally {
      await lock.release();
    }
  }
  const images = results.reduce((sum, r) => sum + r.images, 0);
  const before = results.reduce((sum, r) => sum + r.before, 0);
  const after = results.reduce((sum, r) => sum + r.after, 0);
  if (flags.json) {
    io.out(
      JSON.stringify(
        { dryRun: Boolean(flags.dryRun), images, before, after, entries: results, problems },
        null,
        2,
      ),
    );
    return problems.length > 0 ? 1 : 0;
  }
  for (const problem of problems) io.err(problem);
  if (images === 0) io.out('Every cached image is already compact: nothing to convert.');
  else
    io.out(
      `${flags.dryRun ? 'would compact' : 'compacted'} ${images} image${images === 1 ? '' : 's'}: ${megabytes(before)} → ${megabytes(after)}${flags.dryRun ? ' (dry run: nothing was written)' : ''}`,
    );
  return problems.length > 0 ? 1 : 0;
}
