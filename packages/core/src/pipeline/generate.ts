import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachedImage } from '../cache/store.js';
import { makeTempDir } from '../derive/temp-dirs.js';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import type { ProvidedImage, Provider } from '../providers/provider.js';
import type { Reservation } from './budget.js';
import { pixelsNeededBy } from './derive-headers.js';
import { notGeneratedOnFullDisk } from './disk-full.js';
import { roomForAnswer } from './disk-room.js';
import { checkReferences } from './header-job.js';
import type { Obtained } from './obtain.js';
import { filesOf, firstJob, type ImageGroup, postList } from './plan.js';
import { haltedFor, noteHalt, onWriteError, type PipelineRun, shown } from './run.js';

/**
 * Pays for an image, once across every build that wants it at the same time: within the
 * budget, under this machine's lock on the key and then the remote's lease, looking again
 * after each wait (another build may have made it meanwhile). The paid image is saved
 * before anything else can fail, then written back to the remote.
 */
export async function generate(
  run: PipelineRun,
  group: ImageGroup,
  releaseSlot: () => void,
): Promise<Obtained | undefined> {
  run.signal?.throwIfAborted();
  const provider = run.provider as Provider;
  await checkReferences(firstJob(group));
  const reservation = run.budget.reserve(await provider.estimate(firstJob(group)));
  if ('refused' in reservation) {
    run.tally.skipped(group, reservation.refused);
    run.tally.failed(group, budgetError(group, reservation.refused));
    return undefined;
  }
  const waiting = () => run.emit({ type: 'waiting', key: group.key, files: filesOf(group) });
  const lock = await run.store.lock(group.key, {
    ...(run.signal ? { signal: run.signal } : {}),
    onWait: waiting,
  });
  try {
    const again = await run.store.lookup(group.input);
    if (again.status === 'hit') {
      reservation.cancel();
      run.tally.reused();
      return { entry: again.entry, source: 'reused' };
    }
    if (run.diskFull) {
      reservation.cancel();
      throw notGeneratedOnFullDisk(filesOf(group).join(', '), run.diskFull);
    }
    const candidate = group.input.candidate ?? 1;
    if (
      candidate > 1 &&
      (await run.store.lookup({ ...group.input, candidate: undefined })).status !== 'hit'
    ) {
      // Filed in the first image's entry, a later candidate is not paid for before it.
      reservation.cancel();
      throw new HeaderforgeError(
        'generation_failed',
        `Candidate ${candidate} of ${filesOf(group).join(', ')} was not generated: the prompt's first image is not there (see its own error)`,
        { hint: 'Build again once the first image is made; the candidates follow it.' },
      );
    }
    // Taken after the local lock, so one process per machine asks the remote for it.
    const lease = await run.store.lease(group.key, { signal: run.signal, onWait: waiting });
    try {
      // Once the lease is ours, the remote is read again: the machine that held it may have
      // published the image since our first look (even without us waiting, if this key was
      // queued behind others).
      const shared = lease.held
        ? await run.store.readThrough(group.input, { needsPixels: pixelsNeededBy(run, group) })
        : undefined;
      if (shared) {
        reservation.cancel();
        return { entry: shared, source: 'remote' };
      }
      return await generateAndPublish(run, group, reservation, releaseSlot);
    } finally {
      await lease.release();
    }
  } finally {
    await lock.release();
  }
}

async function generateAndPublish(
  run: PipelineRun,
  group: ImageGroup,
  reservation: Reservation,
  releaseSlot: () => void,
): Promise<Obtained> {
  const provider = run.provider as Provider;
  const model = group.input.model;
  // Another request may have met a run-wide failure while this one waited for its lock.
  const halted = haltedFor(run, model);
  if (halted) {
    reservation.cancel();
    throw halted;
  }
  // Counted from before the room check: checks running side by side each count the others.
  run.answersInFlight++;
  if (provider.maxAnswerBytes !== undefined) {
    const short = await roomForAnswer(run, provider.maxAnswerBytes, run.answersInFlight - 1);
    if (short) {
      // Nothing more is paid for in this run: the next answer would have nowhere to go.
      run.answersInFlight--;
      run.diskFull ??= short;
      reservation.cancel();
      throw notGeneratedOnFullDisk(filesOf(group).join(', '), short);
    }
  }
  run.emit({ type: 'started', key: group.key, files: filesOf(group), model });
  const began = performance.now();
  let image: ProvidedImage;
  try {
    image = await provider.generate(firstJob(group), run.signal);
  } catch (error) {
    run.answersInFlight--;
    // Noted before the slot is given back, so that no request waiting for it starts.
    if (isHeaderforgeError(error)) noteHalt(run, error, model);
    releaseSlot();
    // A refused image was paid for: it counts against the cap and in the summary, at the
    // price reserved for it (its answer's own cost is not known).
    if (isHeaderforgeError(error) && error.rejectedImage) {
      run.tally.paid(reservation.settle(undefined));
    } else reservation.cancel();
    await keepRejected(run, group, error);
    throw error;
  }
  reservation.settle(image.costUsd);
  run.tally.paid(image.costUsd);
  if (image.unasked) {
    run.tally.warning(
      `${model} answered ${image.unasked + 1} images for ${postList(filesOf(group))}, where one was asked for: kept the first only`,
    );
  }
  const entry = await saveImage(run, group, image, releaseSlot).finally(() => {
    run.answersInFlight--;
    releaseSlot();
  });
  run.tally.generated(group, image.costUsd, performance.now() - began);
  await run.store.publish(entry, await storedBytes(run, entry, image.bytes));
  return { entry, source: 'generated', ...(await keepReceived(run, entry, image.bytes)) };
}

/**
 * Saves a paid image. Only once its bytes have landed is `landed` called (the request slot
 * given back): a killed build loses at most `concurrency` paid images, and a compact encode
 * after that holds no slot.
 */
export function saveImage(
  run: PipelineRun,
  group: ImageGroup,
  image: ProvidedImage,
  landed?: () => void,
): Promise<CachedImage> {
  return run.store
    .persist(
      group.input,
      image,
      {
        placeholder: false,
        costUsd: image.costUsd,
        generationId: image.generationId,
        usage: image.usage,
        transport: image.transport,
        servedBy: image.servedBy,
        sources: filesOf(group),
      },
      landed,
    )
    .catch((error: unknown) => {
      throw onWriteError(
        run,
        error,
        `saving the paid image in ${shown(run, run.settings.cacheDir)}`,
      );
    });
}

/** What the cache holds of a just-saved image: the received bytes, or their compact form. */
export async function storedBytes(
  run: PipelineRun,
  entry: CachedImage,
  received: Uint8Array,
): Promise<Uint8Array> {
  return entry.sidecar.received ? run.store.read(entry) : received;
}

/**
 * Keeps the received bytes to derive from, only when the cache holds something else (their
 * compact form): in a temp folder of the derived cache, not in memory, since generation may
 * run far ahead of derivation and a 4K PNG is about 30 MB. Derivation deletes the folder; a
 * build killed first leaves it to the stale-temp sweep. A spill that fails (a full disk) only
 * means deriving from the compact file.
 */
export async function keepReceived(
  run: PipelineRun,
  entry: CachedImage,
  received: Uint8Array,
): Promise<{ receivedFile?: string }> {
  if (!entry.sidecar.received) return {};
  try {
    const dir = await makeTempDir(join(run.derivedDir, entry.key.slice(0, 2), entry.key));
    const file = join(dir, 'received');
    await writeFile(file, received);
    return { receivedFile: file };
  } catch {
    return {};
  }
}

/** An image that was paid for but refused is kept in the quarantine, never dropped. */
async function keepRejected(run: PipelineRun, group: ImageGroup, error: unknown): Promise<void> {
  const bytes = isHeaderforgeError(error) ? error.rejectedImage : undefined;
  if (!bytes) return;
  const posts = filesOf(group).join(', ');
  try {
    const where = await run.store.keepRejected(group.key, bytes, (error as Error).message);
    run.tally.warning(
      `kept the unusable image returned for ${posts} in ${where} (it was paid for)`,
    );
  } catch (keepError) {
    run.tally.warning(
      `could not keep the unusable image returned for ${posts}: ${(keepError as Error).message}`,
    );
  }
}

function budgetError(group: ImageGroup, reason: string): HeaderforgeError {
  return new HeaderforgeError(
    'budget_exceeded',
    `Not generated for ${filesOf(group).join(', ')}: ${reason}`,
    {
      hint: 'Raise maxNewImages / maxCostUsd, or build again later: images already generated are kept.',
    },
  );
}
