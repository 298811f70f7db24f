import { cacheLayout } from '../cache/layout.js';
import { removeDeadLocks } from '../cache/lock.js';
import type { WarmIndex } from '../cache/warm-index.js';
import type { PipelineEvent } from './events.js';
import type { HeaderJob } from './header-job.js';
import type { PipelineMode, RunPipelineOptions } from './settings.js';
import type { HeaderResult, PipelineResult } from './summary.js';
import { createTally, type Tally } from './tally.js';

/**
 * The headers of `jobs` if the warm index knows every one of them whole (see
 * `site/known-headers.ts`), in the order of `jobs`; otherwise undefined.
 */
export function allKnown(
  jobs: readonly HeaderJob[],
  known: RunPipelineOptions['known'],
): HeaderResult[] | undefined {
  if (!known) return undefined;
  const headers: HeaderResult[] = [];
  for (const job of jobs) {
    const header = known.get(job);
    if (!header) return undefined;
    headers.push(header);
  }
  return headers;
}

/**
 * `runPipeline` for a run whose every header is known whole (`allKnown`): nothing to look
 * up, obtain or derive, so none of that machinery is loaded (the pipeline's modules are
 * most of what a warm build would load of headerforge's code). It reports what `runPipeline`
 * reports for such headers: the same events, summary and tidying up.
 */
export async function runKnown(
  jobs: readonly HeaderJob[],
  headers: HeaderResult[],
  options: {
    /** The committed cache's folder (`PipelineSettings.cacheDir`). */
    cacheDir: string;
    mode: PipelineMode;
    onEvent?: ((event: PipelineEvent) => void) | undefined;
    warmIndex: WarmIndex;
  },
): Promise<PipelineResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const images = new Set(headers.map((header) => header.key)).size;
  const tally = createTally([], jobs.length, emit, undefined, images);
  emit({
    type: 'planned',
    posts: jobs.length,
    unique: images,
    cached: images,
    missing: 0,
    mode: options.mode,
  });
  countKnown(tally, images);
  // As `finishRun` ends a run: nothing was read through or derived, so nothing else to tidy.
  const warn = (message: string) => tally.warning(message);
  await removeDeadLocksOf(options.cacheDir, warn);
  await saveWarmIndex(options.warmIndex, warn);
  const summary = tally.summary(performance.now() - started);
  emit({ type: 'done', summary });
  return { headers: headers.toSorted(byFile), failures: [], summary };
}

/** The images of headers known whole, reported as the run's: each cached, and done. */
export function countKnown(tally: Tally, images: number): void {
  for (let i = 0; i < images; i++) {
    tally.cached();
    tally.progress();
  }
}

/** Removes the locks of builds on this host that died holding them; a warning if it cannot. */
export async function removeDeadLocksOf(
  cacheDir: string,
  warn: (message: string) => void,
): Promise<void> {
  await removeDeadLocks(cacheLayout(cacheDir).locks).catch((error: unknown) =>
    warn(`Could not remove stale locks: ${(error as Error).message}`),
  );
}

/** Saves what a run learnt for the next; a warning if it cannot (a lost save costs speed only). */
export async function saveWarmIndex(
  warmIndex: WarmIndex,
  warn: (message: string) => void,
): Promise<void> {
  await warmIndex
    .save()
    .catch((error: unknown) =>
      warn(`Could not save the warm-build index: ${(error as Error).message}`),
    );
}

/** Texts in code-unit order, as the results list their posts' files. */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Headers in the order of their posts' files. */
export const byFile = (a: HeaderResult, b: HeaderResult) => compareText(a.job.file, b.job.file);
