import pLimit from 'p-limit';
import { type GenerationKeyInput, generationKey } from '../cache/keys.js';
import type { ImageStore, LookupResult } from '../cache/store.js';
import { type HeaderJob, jobKeyInput } from './header-job.js';

/** One image to have: its generation key, and the posts that share it (same final prompt). */
export interface ImageGroup {
  key: string;
  input: GenerationKeyInput;
  /** The posts that show this image (their pick). */
  jobs: HeaderJob[];
  /**
   * Posts that keep this image as a candidate they do not show, each as its job with `pick`
   * set to this candidate: made when paying is allowed, never derived.
   */
  unshown: HeaderJob[];
}

/** An image and what the committed cache holds for it. */
export interface PlannedImage {
  group: ImageGroup;
  found: LookupResult;
}

/** Lookups at once: each is a few stats, a small read and at most one hash. */
const LOOKUP_CONCURRENCY = 16;

/**
 * Posts grouped by the images they pay for, in the order the posts came: each post's
 * candidates, the one it shows among them.
 */
export function groupByKey(jobs: readonly HeaderJob[]): ImageGroup[] {
  const groups = new Map<string, ImageGroup>();
  for (const job of jobs) {
    const shown = job.pick ?? 1;
    const count = Math.max(job.candidates ?? 1, shown);
    for (let candidate = 1; candidate <= count; candidate++) {
      const asked = candidate === shown ? job : { ...job, pick: candidate };
      const input = jobKeyInput(asked);
      const key = generationKey(input);
      let group = groups.get(key);
      if (!group) {
        group = { key, input, jobs: [], unshown: [] };
        groups.set(key, group);
      }
      if (candidate === shown) group.jobs.push(job);
      else group.unshown.push(asked);
    }
  }
  return [...groups.values()];
}

/**
 * Which images are in the committed cache already. A store opened read-only only reports
 * a bad entry; otherwise the lookup sets it aside, and it is planned as missing.
 */
export function planImages(
  groups: readonly ImageGroup[],
  store: Pick<ImageStore, 'lookup' | 'recall'>,
): Promise<PlannedImage[]> {
  const limit = pLimit(LOOKUP_CONCURRENCY);
  return Promise.all(
    groups.map((group) => {
      // An image the warm index knows is planned at once, without a task in the queue.
      const known = store.recall(group.input);
      if (known) return { group, found: known };
      return limit(async () => ({ group, found: await store.lookup(group.input) }));
    }),
  );
}

/** The posts of an image, as messages name them. */
export const filesOf = (group: ImageGroup): string[] => [
  ...new Set([...group.jobs, ...group.unshown].map((job) => job.file)),
];

/** The first post of an image: any of them describes the image to make (its candidate too). */
export const firstJob = (group: ImageGroup): HeaderJob =>
  (group.jobs[0] ?? group.unshown[0]) as HeaderJob;

/** `a.md, b.md`, or `a.md and 4 more`: posts in a one-line message. */
export const postList = (files: readonly string[]): string =>
  files.length <= 2 ? files.join(', ') : `${files[0]} and ${files.length - 1} more`;
