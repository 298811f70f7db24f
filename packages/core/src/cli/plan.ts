import { resolve } from 'node:path';
import { type GenerationKeyInput, generationKey } from '../cache/keys.js';
import { type LookupResult, openCommittedStore, openPlaceholderStore } from '../cache/store.js';
import { openWarmIndex } from '../cache/warm-index.js';
import { candidateInputs, type HeaderJob } from '../pipeline/header-job.js';
import { groupByKey, planImages } from '../pipeline/plan.js';
import { type ResolvedHeaderforgeOptions, resolveOptions } from '../site/options.js';
import { scanContent, scanFile } from '../site/scan.js';
import type { LoadedSite } from './load-site.js';

export type ImageStatus = 'cached' | 'missing' | 'placeholder' | 'corrupt';

/** One candidate image of a post, and where it stands. */
export interface PlannedCandidate {
  /** From 1. */
  candidate: number;
  key: string;
  input: GenerationKeyInput;
  status: ImageStatus;
  /** What it cost when it was made, when it is cached (from its sidecar). */
  costUsd?: number | null;
}

export interface PlannedPost {
  job: HeaderJob;
  /** The image the post shows (its pick). */
  key: string;
  status: ImageStatus;
  /** Every candidate the post wants, its pick among them. */
  candidates: PlannedCandidate[];
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
  /** Judge cached images by size and sidecar, without hashing them (for a quick overview). */
  check: { sizesOnly?: boolean } = {},
  /** Only these posts (relative to the root), each read on its own: not the site's scan. */
  files?: readonly string[],
): Promise<{ options: ResolvedHeaderforgeOptions; posts: PlannedPost[] }> {
  const options = resolveOptions(site.options, site);
  const sizesOnly = check.sizesOnly ?? false;
  // An overview also trusts what the last build recorded and nothing changed since (each
  // post's header fields, each entry as verified), as a build does: on a large site reading
  // and parsing every post and sidecar again was most of the time. Read, never written.
  const warmIndex = sizesOnly ? openWarmIndex(options.derivedCacheDir) : undefined;
  const jobs = files
    ? (
        await Promise.all(files.map((file) => scanFile(resolve(options.root, file), options)))
      ).filter((job) => job !== undefined)
    : (await scanContent(options, warmIndex)).jobs;
  const groups = groupByKey(jobs);
  const committed = await planImages(
    groups,
    openCommittedStore(options, { readOnly: true, sizesOnly, warmIndex }),
  );
  const misses = committed.filter(({ found }) => found.status === 'miss').map(({ group }) => group);
  const placeholders = openPlaceholderStore(options, { readOnly: true });
  const offline = new Map(
    (await planImages(misses, placeholders)).map(({ group, found }) => [group.key, found]),
  );
  const status = (found: LookupResult, key: string): Omit<PlannedPost, 'job' | 'candidates'> => {
    if (found.status === 'hit') {
      const { sidecar } = found.entry;
      const { costUsd, width, height } = sidecar;
      return { key, status: 'cached', costUsd, width, height };
    }
    if (found.status === 'corrupt') return { key, status: 'corrupt' };
    return { key, status: offline.get(key)?.status === 'hit' ? 'placeholder' : 'missing' };
  };
  const byKey = new Map(committed.map(({ group, found }) => [group.key, status(found, group.key)]));
  // In the scan's order (content files sorted), not grouped by image.
  const posts = jobs.map((job) => {
    const candidates = candidateInputs(job).map((input, index) => {
      const key = generationKey(input);
      const { status: state, costUsd } = byKey.get(key) as Omit<PlannedPost, 'job' | 'candidates'>;
      return {
        candidate: index + 1,
        key,
        input,
        status: state,
        ...(costUsd === undefined ? {} : { costUsd }),
      };
    });
    const shown = candidates[(job.pick ?? 1) - 1] as PlannedCandidate;
    return {
      job,
      ...(byKey.get(shown.key) as Omit<PlannedPost, 'job' | 'candidates'>),
      candidates,
    };
  });
  return { options, posts };
}
