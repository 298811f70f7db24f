import { derivedCacheLayout } from '../cache/layout.js';
import {
  type CachedImage,
  type LookupResult,
  openCommittedStore,
  openPlaceholderStore,
} from '../cache/store.js';
import type { WarmIndex } from '../cache/warm-index.js';
import { findTitleCards } from '../derive/get-title-cards.js';
import { derivativeKey } from '../derive/key.js';
import { fromManifest, type Manifest } from '../derive/manifest.js';
import { pendingSet } from '../derive/pending-set.js';
import { keyDirectory } from '../derive/store.js';
import { showsArtOf } from '../providers/placeholder.js';
import { titleCardInput } from './card-input.js';
import { deriveSpecFor } from './derive-spec.js';
import type { HeaderJob } from './header-job.js';
import { firstJob, groupByKey } from './plan.js';
import { byFile } from './run-known.js';
import type { PipelineMode, PipelineSettings } from './settings.js';
import type { HeaderResult } from './summary.js';

export interface RecalledHeaders {
  /** Every post: its header when the caches hold it made, a pending one otherwise. */
  headers: HeaderResult[];
  /**
   * The posts a later `runPipeline` in `mode` still has to make: those shown pending, and in
   * `generate` mode those shown as offline art.
   */
  toMake: HeaderJob[];
}

/**
 * Each post's header as far as the warm index already knows it whole (its original verified
 * and its derived set complete), at the cost of a few stats per post: nothing is read,
 * hashed, rendered or derived, however many posts are missing. The committed image first;
 * else, unless `mode` is `cache-only`, offline art made by an earlier run. Every other post
 * gets the shared pending set (`source: 'pending'`). What a dev server shows before it listens.
 */
export async function recallHeaders(
  jobs: readonly HeaderJob[],
  settings: PipelineSettings,
  warmIndex: WarmIndex,
  mode: PipelineMode,
): Promise<RecalledHeaders> {
  const committed = openCommittedStore(settings, { trusted: true, warmIndex });
  const offline = mode === 'cache-only' ? undefined : openPlaceholderStore(settings, { warmIndex });
  const derivedDir = derivedCacheLayout(settings.derivedCacheDir).derived;
  const headers: HeaderResult[] = [];
  const toMake: HeaderJob[] = [];
  for (const group of groupByKey(jobs)) {
    const real = hitOf(committed.recall(group.input));
    const entry = real ?? hitOf(offline?.recall(group.input));
    // Offline art of another title (edited since) or an older drawing is shown until the
    // run draws it again.
    const redraw = entry !== undefined && !real && !showsArtOf(entry.sidecar, firstJob(group));
    for (const job of group.jobs) {
      const setKey = entry && derivativeKey(entry.sidecar.sha256, deriveSpecFor(settings, job));
      // Derived sets are remembered as their manifests (see derive-headers.ts).
      const manifest = setKey && warmIndex.recall<Manifest>('derived', setKey);
      const derived =
        setKey && manifest && fromManifest(manifest, keyDirectory(derivedDir, setKey));
      if (entry && derived) {
        const { file, sidecar } = entry;
        // A title card is found by its key (a stat); a missing one (a title just edited) is
        // drawn by the run that makes what is listed to make, the header shown meanwhile.
        const cardInput = titleCardInput(settings, job, sidecar.sha256, !real);
        const cards = cardInput && findTitleCards(cardInput);
        headers.push({
          job,
          key: group.key,
          source: real ? 'cache' : 'placeholder',
          placeholder: !real,
          original: { file, width: sidecar.width, height: sidecar.height, sha256: sidecar.sha256 },
          derived,
          ...(cards ? { cards } : {}),
        });
        if ((!real && mode === 'generate') || redraw || (cardInput && !cards)) toMake.push(job);
        continue;
      }
      const stand = await pendingSet(
        settings.derivedCacheDir,
        job.aspectRatio,
        settings.og !== false,
      );
      const { master } = stand.derived;
      headers.push({
        job,
        key: group.key,
        source: 'pending',
        placeholder: true,
        original: {
          file: master.file,
          width: master.width,
          height: master.height,
          sha256: stand.sha256,
        },
        derived: stand.derived,
      });
      toMake.push(job);
    }
  }
  headers.sort(byFile);
  return { headers, toMake };
}

const hitOf = (result: LookupResult | undefined): CachedImage | undefined =>
  result?.status === 'hit' ? result.entry : undefined;
