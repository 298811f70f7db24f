import { firstCandidateKey } from '../cache/keys.js';
import type { KeyLock } from '../cache/lock.js';
import type { Lease } from '../cache/tiered-store.js';
import {
  asHeaderforgeError,
  type HeaderforgeError,
  isHeaderforgeError,
} from '../errors/headerforge-error.js';
import type { Provider } from '../providers/provider.js';
import type { Reservation } from './budget.js';
import { pixelsNeededBy } from './derive-headers.js';
import { keepReceived, saveImage, storedBytes } from './generate.js';
import { checkReferences, type HeaderJob } from './header-job.js';
import type { Obtained } from './obtain.js';
import { filesOf, firstJob, type ImageGroup, type PlannedImage } from './plan.js';
import type { PipelineRun } from './run.js';

/** A candidate the batch settled: made, or failed (not to be asked for again in this run). */
export type Batched = Obtained | { failed: HeaderforgeError };

/** The batches a run started: which images they may settle, and what they settled. */
export interface Batches {
  /** The keys of the images a batch was started for (each is settled by it, or left over). */
  readonly keys: ReadonlySet<string>;
  /** Resolves once every batch is done, with what each settled. */
  readonly made: Promise<Map<string, Batched>>;
}

/**
 * A post's candidates that are still missing, in one request with `n` where its model makes
 * several images per request (the rest, and everything else, go one image per request).
 * Each image is saved under its own candidate's key before anything else can fail. What
 * this cannot settle (a refused budget, a lock another build holds, an answer with fewer
 * images) is left to the one-at-a-time path, which handles each case as it always has.
 * Started, not waited for: only the images in `keys` wait for `made`, so the other posts'
 * requests go out beside the batches instead of one answer's latency after them.
 */
export function generateBatches(run: PipelineRun, planned: readonly PlannedImage[]): Batches {
  const made = new Map<string, Batched>();
  const provider = run.provider;
  if (run.mode !== 'generate' || !provider?.generateMany || !provider.batchSize)
    return { keys: new Set(), made: Promise.resolve(made) };
  const clusters = new Map<string, ImageGroup[]>();
  for (const { group, found } of planned) {
    const wantsMany = [...group.jobs, ...group.unshown].some((job) => (job.candidates ?? 1) > 1);
    if (found.status === 'hit' || !wantsMany) continue;
    const base = firstCandidateKey(group.input);
    clusters.set(base, [...(clusters.get(base) ?? []), group]);
  }
  const batches = [...clusters.values()].filter((groups) => groups.length > 1);
  const done = Promise.all(
    batches.map((groups) =>
      batch(run, provider as BatchingProvider, groups, made).catch((error: unknown) => {
        if (run.signal?.aborted) throw run.signal.reason;
        // Paid or not, these candidates are not asked for again in this run.
        for (const group of groups) made.set(group.key, { failed: asHeaderforgeError(error) });
      }),
    ),
  ).then(() => made);
  // Its images wait for it and report how it ended; this only keeps a rejection that comes
  // before they do from counting as unhandled.
  done.catch(() => {});
  return { keys: new Set(batches.flat().map((group) => group.key)), made: done };
}

/** A provider that can make several images of one prompt per request. */
type BatchingProvider = Provider & Required<Pick<Provider, 'batchSize' | 'generateMany'>>;

async function batch(
  run: PipelineRun,
  provider: BatchingProvider,
  groups: ImageGroup[],
  made: Map<string, Batched>,
): Promise<void> {
  const job = firstJob(groups[0] as ImageGroup);
  const size = Math.min(groups.length, await provider.batchSize(job));
  if (size < 2) return;
  // What a teammate's build already made is read from the shared remote, never paid again.
  const absent: ImageGroup[] = [];
  for (const group of groups.slice(0, size)) {
    const shared = await run.store.readThrough(group.input, {
      needsPixels: pixelsNeededBy(run, group),
    });
    if (shared) made.set(group.key, { entry: shared, source: 'remote' });
    else absent.push(group);
  }
  if (absent.length < 2) return;
  await checkReferences(job);
  const chosen = absent;
  const release = await run.requestSlots.acquire();
  const locks: KeyLock[] = [];
  const leases: Lease[] = [];
  try {
    // Sorted, so two builds batching the same candidates cannot each hold what the other
    // waits for: this machine's locks, then the remote's leases, as one image's path takes them.
    const sorted = [...chosen].sort((a, b) => (a.key < b.key ? -1 : 1));
    const waiting = () =>
      run.emit({
        type: 'waiting',
        key: sorted[0]?.key as string,
        files: filesOf(sorted[0] as ImageGroup),
      });
    for (const group of sorted) {
      locks.push(
        await run.store.lock(group.key, {
          ...(run.signal ? { signal: run.signal } : {}),
          onWait: waiting,
        }),
      );
    }
    for (const group of sorted) {
      leases.push(await run.store.lease(group.key, { signal: run.signal, onWait: waiting }));
    }
    // Looked at again under the locks and leases: another build may have made any of them
    // meanwhile. Then each is left to its own path, which finds it.
    for (const group of chosen) {
      if ((await run.store.lookup(group.input)).status === 'hit') return;
      const pixels = { needsPixels: pixelsNeededBy(run, group) };
      if (leases.some((lease) => lease.held) && (await run.store.readThrough(group.input, pixels)))
        return;
    }
    // Each image of the batch counts against the caps: as many as they still allow, at
    // least two (one alone takes its own path, which says why the others are refused).
    const reservation = await reserveBatch(run, provider, job, chosen);
    if (!reservation) return;
    run.emit({
      type: 'started',
      key: chosen[0]?.key as string,
      files: filesOf(chosen[0] as ImageGroup),
      model: job.model,
    });
    const began = performance.now();
    const { images, refused } = await provider
      .generateMany({ ...job, pick: chosen[0]?.input.candidate ?? 1 }, chosen.length, run.signal)
      .catch(async (error: unknown) => {
        const paid = isHeaderforgeError(error) ? error.rejectedImage : undefined;
        if (!paid) {
          reservation.cancel();
          throw error;
        }
        // Paid for but unusable: it counts against the cap and in the summary, and is kept,
        // never dropped.
        run.tally.paid(reservation.settle(undefined));
        const where = await run.store.keepRejected(
          chosen[0]?.key as string,
          paid,
          (error as Error).message,
        );
        run.tally.warning(
          `kept the unusable image returned for ${filesOf(chosen[0] as ImageGroup).join(', ')} in ${where} (it was paid for)`,
        );
        throw error;
      });
    for (const { bytes, problem } of refused) {
      // Paid for with the others, but unusable: kept, never dropped.
      const where = await run.store.keepRejected(chosen[0]?.key as string, bytes, problem);
      run.tally.warning(
        `kept an unusable image returned for ${filesOf(chosen[0] as ImageGroup).join(', ')} in ${where} (it was paid for)`,
      );
    }
    const total = images.reduce((sum, image) => sum + (image.costUsd ?? 0), 0);
    reservation.settle(images.some((image) => image.costUsd !== undefined) ? total : undefined);
    for (const [index, image] of images.entries()) {
      const group = chosen[index] as ImageGroup;
      run.tally.paid(image.costUsd);
      const entry = await saveImage(run, group, image);
      run.tally.generated(group, image.costUsd, performance.now() - began);
      made.set(group.key, {
        entry,
        source: 'generated',
        ...(await keepReceived(run, entry, image.bytes)),
      });
      await run.store.publish(entry, await storedBytes(run, entry, image.bytes));
    }
  } finally {
    release();
    for (const lease of leases) await lease.release();
    for (const lock of locks) await lock.release();
  }
}

/**
 * Reserves the largest leading part of `chosen` (two or more) the budget still allows, and
 * cuts `chosen` to it; the rest are left to their own path.
 */
async function reserveBatch(
  run: PipelineRun,
  provider: BatchingProvider,
  job: HeaderJob,
  chosen: ImageGroup[],
): Promise<Reservation | undefined> {
  for (let size = chosen.length; size >= 2; size--) {
    const reservation = run.budget.reserve(await provider.estimate(job, size), size);
    if ('refused' in reservation) continue;
    chosen.splice(size);
    return reservation;
  }
  return undefined;
}
