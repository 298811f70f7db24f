import type { ImageStore } from '../cache/store.js';
import type { DerivedSet } from '../derive/derived-set.js';
import { getDerivedSet } from '../derive/get-derived-set.js';
import { derivativeKey } from '../derive/key.js';
import { keyDirectory, readDerivedSet } from '../derive/store.js';
import { deriveSpecFor } from './derive-spec.js';
import type { HeaderJob } from './header-job.js';
import type { Obtained } from './obtain.js';
import type { ImageGroup } from './plan.js';
import { onWriteError, type PipelineRun, shown } from './run.js';
import type { HeaderResult } from './summary.js';

/**
 * Every post's header from its image's original: the derived set for its crop (posts that
 * share an image may still crop it differently, by their own `focus`).
 */
export async function deriveHeaders(
  run: PipelineRun,
  group: ImageGroup,
  obtained: Obtained,
): Promise<HeaderResult[]> {
  const placeholder = obtained.source === 'placeholder';
  const from = placeholder ? run.placeholders : run.store.local;
  const sets = new Map<string, Promise<DerivedSet>>();
  for (const job of group.jobs) {
    if (!sets.has(job.focus)) sets.set(job.focus, deriveSet(run, obtained, job, from));
  }
  const { sidecar, file } = obtained.entry;
  const headers: HeaderResult[] = [];
  for (const job of group.jobs) {
    headers.push({
      job,
      key: group.key,
      source: obtained.source,
      placeholder,
      original: { file, width: sidecar.width, height: sidecar.height, sha256: sidecar.sha256 },
      derived: await (sets.get(job.focus) as Promise<DerivedSet>),
    });
  }
  return headers;
}

/**
 * The derived set of one original for one post's crop: remembered by the warm index, read
 * from the derived cache, or made (within the pixel budget) and remembered.
 */
async function deriveSet(
  run: PipelineRun,
  obtained: Obtained,
  job: HeaderJob,
  store: ImageStore,
): Promise<DerivedSet> {
  const { settings, derivedDir } = run;
  const spec = deriveSpecFor(settings, job);
  const { sha256 } = obtained.entry.sidecar;
  const key = derivativeKey(sha256, spec);
  // Offline art's sets too: a dev server shows them at start by recalling them.
  const index = run.warmIndex;
  const known = index?.recall<DerivedSet>('derived', key);
  if (known) return known;
  // The set's folder changes whenever a file in it is added, removed or renamed.
  const setDir = keyDirectory(derivedDir, key);
  const stamps = index?.stamp([setDir]);
  const warm = await readDerivedSet(derivedDir, key);
  if (warm) {
    if (stamps) index?.remember('derived', key, stamps, warm);
    return warm;
  }
  run.derivedCold = true;
  const { width, height } = obtained.entry.sidecar;
  return run
    .deriveLimit(width * height, () =>
      run.pace(async () => {
        // Read from the cache once a slot is free, even when this run just generated the
        // image: bytes held while queued would pile up whenever generation outpaces derivation.
        const original = await store.read(obtained.entry);
        const set = await getDerivedSet({
          original,
          originalSha256: sha256,
          spec,
          cacheDir: derivedDir,
        });
        const made = index?.stamp([setDir]);
        if (made) index?.remember('derived', key, made, set);
        return set;
      }),
    )
    .catch((error: unknown) => {
      throw onWriteError(
        run,
        error,
        `writing the resized images in ${shown(run, settings.derivedCacheDir)}`,
      );
    });
}
