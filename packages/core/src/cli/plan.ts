import { type LookupResult, openCommittedStore, openPlaceholderStore } from '../cache/store.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { groupByKey, planImages } from '../pipeline/plan.js';
import { type ResolvedHeaderforgeOptions, resolveOptions } from '../site/options.js';
import { scanContent } from '../site/scan.js';
import type { LoadedSite } from './load-site.js';

export interface PlannedPost {
  job: HeaderJob;
  key: string;
  status: 'cached' | 'missing' | 'placeholder' | 'corrupt';
  /** What the cached image cost when it was made (from its sidecar). */
  costUsd?: number | null;
  width?: number;
  height?: number;
}

/**
 * Every post with a header and where its image stands: the pipeline's own plan, made with
 * the caches opened read-only, so nothing is changed (a bad entry is reported, not moved).
 */
export async function planSite(
  site: LoadedSite,
): Promise<{ options: ResolvedHeaderforgeOptions; posts: PlannedPost[] }> {
  const options = resolveOptions(site.options, { root: site.root });
  const { jobs } = await scanContent(options);
  const groups = groupByKey(jobs);
  const committed = await planImages(groups, openCommittedStore(options, { readOnly: true }));
  const misses = committed.filter(({ found }) => found.status === 'miss').map(({ group }) => group);
  const placeholders = openPlaceholderStore(options, { readOnly: true });
  const offline = new Map(
    (await planImages(misses, placeholders)).map(({ group, found }) => [group.key, found]),
  );
  const status = (found: LookupResult, key: string): Omit<PlannedPost, 'job'> => {
    if (found.status === 'hit') {
      const { sidecar } = found.entry;
      const { costUsd, width, height } = sidecar;
      return { key, status: 'cached', costUsd, width, height };
    }
    if (found.status === 'corrupt') return { key, status: 'corrupt' };
    return { key, status: offline.get(key)?.status === 'hit' ? 'placeholder' : 'missing' };
  };
  const byJob = new Map(
    committed.flatMap(({ group, found }) => {
      const post = status(found, group.key);
      return group.jobs.map((job) => [job, post] as const);
    }),
  );
  // In the scan's order (content files sorted), not grouped by image.
  const posts = jobs.map((job) => ({ job, ...(byJob.get(job) as Omit<PlannedPost, 'job'>) }));
  return { options, posts };
}
