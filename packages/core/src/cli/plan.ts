import { openCommittedStore, openPlaceholderStore } from '../cache/store.js';
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
  const byKey = new Map(
    committed.map(({ group, found }): [string, Omit<PlannedPost, 'job'>] => {
      const { key } = group;
      if (found.status === 'hit') {
        const { sidecar } = found.entry;
        return [
          key,
          {
            key,
            status: 'cached',
            costUsd: sidecar.costUsd,
            width: sidecar.width,
            height: sidecar.height,
          },
        ];
      }
      if (found.status === 'corrupt') return [key, { key, status: 'corrupt' }];
      const art = offline.get(key)?.status === 'hit';
      return [key, { key, status: art ? 'placeholder' : 'missing' }];
    }),
  );
  const posts = groups.flatMap((group) =>
    group.jobs.map((job) => ({ job, ...(byKey.get(group.key) as Omit<PlannedPost, 'job'>) })),
  );
  // In the scan's order (content files sorted), as before grouping.
  const order = new Map(jobs.map((job, i) => [job, i]));
  posts.sort((a, b) => (order.get(a.job) as number) - (order.get(b.job) as number));
  return { options, posts };
}
