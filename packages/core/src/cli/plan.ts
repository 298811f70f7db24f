import { join } from 'node:path';
import { openImageStore } from '../cache/store.js';
import type { HeaderJob } from '../header-job.js';
import { generationKey, jobKeyInput } from '../keys.js';
import { type ResolvedHeaderforgeOptions, resolveOptions } from '../options.js';
import { scanContent } from '../scan.js';
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

/** Every post with a header and where its image stands, without changing any cache. */
export async function planSite(
  site: LoadedSite,
): Promise<{ options: ResolvedHeaderforgeOptions; posts: PlannedPost[] }> {
  const options = resolveOptions(site.options, { root: site.root });
  const { jobs } = await scanContent(options);
  const committed = openImageStore(options.cacheDir, { root: options.root, readOnly: true });
  const placeholders = openImageStore(join(options.derivedCacheDir, 'placeholders'), {
    root: options.root,
    readOnly: true,
  });
  const posts = await Promise.all(
    jobs.map(async (job): Promise<PlannedPost> => {
      const input = jobKeyInput(job);
      const key = generationKey(input);
      const found = await committed.lookup(input);
      if (found.status === 'hit') {
        const { sidecar } = found.entry;
        return {
          job,
          key,
          status: 'cached',
          costUsd: sidecar.costUsd,
          width: sidecar.width,
          height: sidecar.height,
        };
      }
      if (found.status === 'corrupt') return { job, key, status: 'corrupt' };
      const offline = await placeholders.lookup(input);
      return { job, key, status: offline.status === 'hit' ? 'placeholder' : 'missing' };
    }),
  );
  return { options, posts };
}
