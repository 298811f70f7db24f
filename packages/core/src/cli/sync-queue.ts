import pLimit from 'p-limit';
import type { GenerationKeyInput } from '../cache/keys.js';
import { holdShare, REMOTE_BYTES, REMOTE_CONCURRENCY } from '../cache/tiered-store.js';
import { createPixelBudget } from '../pipeline/pixel-budget.js';
import type { PlannedCandidate, PlannedPost } from './plan.js';

/** An entry of a post's, for `push` and `pull`: its key, the post's file, what makes its key. */
export interface SyncEntry {
  key: string;
  post: string;
  input: GenerationKeyInput;
}

/**
 * The candidates of `posts` that `wanted` picks, every one a post wants (not only the ones
 * shown), once per key: posts that share a prompt share its entries.
 */
export function syncEntries(
  posts: readonly PlannedPost[],
  wanted: (candidate: PlannedCandidate) => boolean,
): SyncEntry[] {
  const entries = new Map<string, SyncEntry>();
  for (const post of posts) {
    for (const candidate of post.candidates) {
      // A key met again keeps its place, and names the last post that wants it.
      if (wanted(candidate))
        entries.set(candidate.key, {
          key: candidate.key,
          post: post.job.file,
          input: candidate.input,
        });
    }
  }
  return [...entries.values()];
}

export interface SyncQueue {
  /**
   * Runs `task` for each item, `REMOTE_CONCURRENCY` at once (as a build's read-through
   * does), each started in the items' order; resolves with the results in that order. Once
   * `stopped()` is true (the remote failed), no further item starts: the results are those
   * of the items started. A task that throws stops it too, and rejects the run with its
   * error once every task started has ended.
   */
  run<T, R>(items: Iterable<T>, task: (item: T) => Promise<R>): Promise<R[]>;
  /**
   * Holds `bytes` of the image bytes this command holds at once (`REMOTE_BYTES`, as a
   * build's read-through) until the function it resolves with is called.
   */
  holdBytes(bytes: number): Promise<() => void>;
}

/** Told, as each entry is done, how many are done of how many there are. */
export type SyncProgress = (done: number, total: number) => void;

/**
 * How `push` and `pull` go through a site's entries: one at a time, a thousand entries were a
 * thousand round trips in a row (two each for a pull), minutes against an S3 bucket.
 */
export function syncQueue(stopped: () => boolean): SyncQueue {
  const limit = pLimit(REMOTE_CONCURRENCY);
  const bytes = createPixelBudget(REMOTE_BYTES, Number.POSITIVE_INFINITY);
  return {
    async run<T, R>(items: Iterable<T>, task: (item: T) => Promise<R>): Promise<R[]> {
      // One slot per item, filled when it ends; those never started stay empty.
      const slots: Array<{ result: R } | undefined> = [];
      let threw = false;
      const ended = await Promise.allSettled(
        Array.from(items, (item, index) =>
          limit(async () => {
            if (stopped() || threw) return;
            try {
              slots[index] = { result: await task(item) };
            } catch (error) {
              threw = true;
              throw error;
            }
          }),
        ),
      );
      // A task that failed (a local write) fails the run, once the others have ended: none
      // is left writing behind the command's error.
      const failed = ended.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      return slots.flatMap((slot) => (slot ? [slot.result] : []));
    },
    holdBytes: (weight) => holdShare(bytes, weight),
  };
}
