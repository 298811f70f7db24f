import type { CachedImage } from '../cache/store.js';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { placeholderArtOf, showsArtOf } from '../providers/placeholder.js';
import { pixelsNeededBy } from './derive-headers.js';
import { generate } from './generate.js';
import type { HeaderJob } from './header-job.js';
import { filesOf, firstJob, type ImageGroup, type PlannedImage } from './plan.js';
import { haltedFor, type PipelineRun } from './run.js';
import type { HeaderResult } from './summary.js';

/** An image's original, and where this run got it. */
export interface Obtained {
  entry: CachedImage;
  source: HeaderResult['source'];
  /**
   * A file of the image's bytes as received, when this run just generated it and the cache
   * holds their compact form: its derivatives are made from them, not from the compact file
   * (so no new image loses quality twice). Deleted once its headers are derived.
   */
  receivedFile?: string;
}

/**
 * An image's original: from the committed cache, read through from the remote, and
 * otherwise as the mode says (a failure, offline art, or a paid generation). Undefined
 * when the image failed; the failure is in the tally.
 */
export async function obtainImage(
  run: PipelineRun,
  { group, found }: PlannedImage,
): Promise<Obtained | undefined> {
  if (found.status === 'hit') {
    run.tally.cached();
    return { entry: found.entry, source: 'cache' };
  }
  const shared = await run.store.readThrough(group.input, {
    needsPixels: pixelsNeededBy(run, group),
  });
  if (shared) return { entry: shared, source: 'remote' };
  // A candidate no post shows changes no page: cache-only does not fail for it (offline
  // art is still made for it, as for every candidate, so that it can be looked at).
  if (group.jobs.length === 0 && run.mode === 'cache-only') return undefined;
  if (run.mode === 'cache-only') {
    run.tally.failed(group, cacheMissError(group));
    return undefined;
  }
  if (run.mode === 'placeholder') return obtainPlaceholder(run, group);
  const release = await run.requestSlots.acquire();
  try {
    // Once the key, the credits or the model is known to fail, the posts still waiting
    // fail with it at once: no more requests, and one line for all of them.
    const halted = haltedFor(run, group.input.model);
    if (halted) {
      run.tally.failed(group, halted);
      return undefined;
    }
    return await generate(run, group, release);
  } finally {
    release();
  }
}

/** Offline art, made once per key and kept in the regenerable cache. */
async function obtainPlaceholder(run: PipelineRun, group: ImageGroup): Promise<Obtained> {
  run.tally.placeholder(group);
  const candidate = group.input.candidate ?? 1;
  // A later candidate's art is filed in the first image's entry: that art is made first
  // (the first image itself may be a paid one, in the committed cache).
  if (candidate > 1) {
    const job = firstJob(group);
    await placeholderFor(
      run,
      group,
      { ...group.input, candidate: undefined },
      { ...job, pick: 1 },
      filesOf(group),
    );
  }
  const entry = await placeholderFor(run, group, group.input, firstJob(group), filesOf(group));
  return { entry, source: 'placeholder' };
}

async function placeholderFor(
  run: PipelineRun,
  group: ImageGroup,
  input: ImageGroup['input'],
  job: HeaderJob,
  sources: string[],
): Promise<CachedImage> {
  const existing = await run.placeholders.lookup(input);
  // Art of another title (an edited post) or an older drawing is drawn again.
  if (existing.status === 'hit' && showsArtOf(existing.entry.sidecar, job)) return existing.entry;
  return run.paceOf(group)(async () => {
    const art = await run.placeholderArt.generate(job);
    const shows = placeholderArtOf(job);
    return run.placeholders.persist(input, art, { placeholder: true, sources, art: shows });
  });
}

function cacheMissError(group: ImageGroup): HeaderforgeError {
  return new HeaderforgeError(
    'cache_miss',
    `No cached header image for ${filesOf(group).join(', ')} (cache-only mode)`,
    {
      hint: 'Fill the cache where a key is available (`OPENROUTER_API_KEY=… npx headerforge generate`) and commit the cache folder.',
    },
  );
}
