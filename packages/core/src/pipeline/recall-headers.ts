import { openCommittedStore } from '../cache/store.js';
import type { WarmIndex } from '../cache/warm-index.js';
import type { DerivedSet } from '../derive/derived-set.js';
import { derivativeKey } from '../derive/key.js';
import { pendingSet } from '../derive/pending-set.js';
import { deriveSpecFor } from './derive-headers.js';
import type { HeaderJob } from './header-job.js';
import { groupByKey } from './plan.js';
import type { PipelineSettings } from './settings.js';
import type { HeaderResult } from './summary.js';

export interface RecalledHeaders {
  /** Every post: its header when the caches hold it made, a pending one otherwise. */
  headers: HeaderResult[];
  /** The posts shown as pending, for a later `runPipeline` to make. */
  pending: HeaderJob[];
}

/**
 * Each post's header as far as the warm index already knows it whole (its original verified
 * and its derived set complete), at the cost of a few stats per post: nothing is read,
 * hashed, rendered or derived, however many posts are missing. Every other post gets the
 * shared pending set (`source: 'pending'`). What a dev server shows before it listens.
 */
export async function recallHeaders(
  jobs: readonly HeaderJob[],
  settings: PipelineSettings,
  warmIndex: WarmIndex,
): Promise<RecalledHeaders> {
  const store = openCommittedStore(settings, { trusted: true, warmIndex });
  const headers: HeaderResult[] = [];
  const pending: HeaderJob[] = [];
  for (const group of groupByKey(jobs)) {
    const entry = store.recall(group.input);
    for (const job of group.jobs) {
      const derived =
        entry &&
        warmIndex.recall<DerivedSet>(
          'derived',
          derivativeKey(entry.sidecar.sha256, deriveSpecFor(settings, job)),
        );
      if (entry && derived) {
        const { file, sidecar } = entry;
        headers.push({
          job,
          key: group.key,
          source: 'cache',
          placeholder: false,
          original: { file, width: sidecar.width, height: sidecar.height, sha256: sidecar.sha256 },
          derived,
        });
        continue;
      }
      const stand = await pendingSet(settings.derivedCacheDir, job.aspectRatio, settings.og);
      const { master } = stand.derived;
      headers.push({
        job,
        key: group.key,
        source: 'pending',
        placeholder: true,
        original: { file: master.file, width: master.width, height: master.height, sha256: stand.sha256 },
        derived: stand.derived,
      });
      pending.push(job);
    }
  }
  headers.sort((a, b) => compare(a.job.file, b.job.file));
  return { headers, pending };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
