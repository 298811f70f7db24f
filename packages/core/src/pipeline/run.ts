import { relative } from 'node:path';
import { derivedCacheLayout } from '../cache/layout.js';
import { type ImageStore, openCommittedStore, openPlaceholderStore } from '../cache/store.js';
import { openTieredStore, REMOTE_BYTES, type TieredStore } from '../cache/tiered-store.js';
import { openWarmIndex, type WarmIndex } from '../cache/warm-index.js';
import { removeStaleTempDirs } from '../derive/temp-dirs.js';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import { isDiskFull } from '../files/disk-space.js';
import { createPlaceholderProvider } from '../providers/placeholder.js';
import type { Provider } from '../providers/provider.js';
import { type Budget, createBudget } from './budget.js';
import { type CardFallbacks, cardFallbackWarning } from './card-fallbacks.js';
import { diskFullError, EARLIER_WRITE_FAILED } from './disk-full.js';
import type { PipelineEvent } from './events.js';
import { createPixelBudget } from './pixel-budget.js';
import type { ImageGroup } from './plan.js';
import { createRequestSlots } from './request-slots.js';
import { removeDeadLocksOf, saveWarmIndex } from './run-known.js';
import type { PipelineMode, PipelineSettings, RunPipelineOptions } from './settings.js';
import { createTally, type Tally } from './tally.js';

/** Derivation is CPU-bound and sharp already uses every core: two at a time is enough. */
const DERIVE_CONCURRENCY = 2;
/**
 * Decoded pixels in flight across derivations (each holds its original and master raw):
 * two 2K images fit side by side, a 4K one derives alone. Keeps a 4K build under 512 MB.
 */
const DERIVE_PIXEL_BUDGET = 24_000_000;
/** Older than any one derivation: a temp dir this old belongs to a killed build. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Everything one run of the pipeline shares between its steps. */
export interface PipelineRun {
  readonly settings: PipelineSettings;
  readonly mode: PipelineMode;
  readonly provider: Provider | undefined;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: PipelineEvent) => void;
  readonly tally: Tally;
  /** The committed cache, in front of the remote one. */
  readonly store: TieredStore;
  /** Offline art, in the regenerable cache. */
  readonly placeholders: ImageStore;
  readonly placeholderArt: Provider;
  readonly budget: Budget;
  /**
   * Held from the request until its image is saved, and given back before the upload and
   * the lock's release, so that the next request need not wait for those.
   */
  readonly requestSlots: ReturnType<typeof createRequestSlots>;
  readonly deriveLimit: ReturnType<typeof createPixelBudget>;
  /** Paces a step of `group`'s image (see `RunPipelineOptions.pace`), in the run's order. */
  readonly paceOf: (group: ImageGroup) => <T>(step: () => Promise<T>) => Promise<T>;
  readonly warmIndex: WarmIndex;
  readonly derivedDir: string;
  /**
   * Why nothing more is paid for, once a write found the disk full or a request found no
   * room for its answer: an image that cannot be saved would be paid for and lost. Later
   * posts give this same reason, so that which post met the full disk first (a race between
   * requests side by side) does not change what the build says.
   */
  diskFull: string | undefined;
  /** Set once a derived set had to be made, so that stale temp folders are worth a look. */
  derivedCold: boolean;
  /** Paid requests sent whose answers are not saved yet: the room they may still need. */
  answersInFlight: number;
  /**
   * Failures that every later request of their scope would meet, by scope: the run (`''`)
   * or a model. Once one is here, no request of its scope starts (see `haltedFor`).
   */
  readonly halts: Map<string, HeaderforgeError>;
  /** Posts whose title card is their header's crop for want of a font: warned about once. */
  readonly cardFallbacks: CardFallbacks;
}

export function startRun(
  groups: readonly ImageGroup[],
  posts: number,
  options: RunPipelineOptions,
  /** Images already known whole, beside `groups` (see `RunPipelineOptions.known`). */
  knownImages = 0,
): PipelineRun {
  const { settings, mode } = options;
  if (mode === 'generate' && !options.provider) {
    throw new Error('runPipeline: mode "generate" needs a provider');
  }
  const emit = options.onEvent ?? (() => {});
  const orderOf = new Map(groups.map((group, index) => [group, index]));
  const warmIndex = options.warmIndex ?? openWarmIndex(settings.derivedCacheDir);
  const tally = createTally(groups, posts, emit, options.remote?.label, knownImages);
  // Compact encodes share the derivations' pixel budget: at 4K either one alone is most of
  // what a build may hold.
  const deriveLimit = createPixelBudget(DERIVE_PIXEL_BUDGET, DERIVE_CONCURRENCY);
  const local = openCommittedStore(settings, {
    trusted: true,
    warmIndex,
    compact: settings.original !== 'as-received',
    encodeLimit: deriveLimit,
  });
  return {
    settings,
    mode,
    provider: options.provider,
    signal: options.signal,
    emit,
    tally,
    store: openTieredStore(local, options.remote, tally.remote, {
      writeBehind: options.writeBehind === true,
      byteLimit: createPixelBudget(REMOTE_BYTES, Number.POSITIVE_INFINITY),
    }),
    placeholders: openPlaceholderStore(settings, { warmIndex }),
    placeholderArt: createPlaceholderProvider(),
    budget: createBudget(settings),
    requestSlots: createRequestSlots(settings.concurrency),
    deriveLimit,
    paceOf: (group) => {
      const { pace } = options;
      if (!pace) return (step) => step();
      const order = orderOf.get(group);
      return (step) => pace(step, order);
    },
    warmIndex,
    derivedDir: derivedCacheLayout(settings.derivedCacheDir).derived,
    diskFull: undefined,
    derivedCold: false,
    answersInFlight: 0,
    halts: new Map(),
    cardFallbacks: new Map(),
  };
}

/** Remembers a failure that reaches further than its own request (see `PipelineRun.halts`). */
export function noteHalt(run: PipelineRun, error: HeaderforgeError, model: string): void {
  if (!error.scope) return;
  const scope = error.scope === 'model' ? model : '';
  if (!run.halts.has(scope)) run.halts.set(scope, error);
}

/** The failure that stops requests for `model` in this run, if one happened. */
export function haltedFor(run: PipelineRun, model: string): HeaderforgeError | undefined {
  return run.halts.get('') ?? run.halts.get(model);
}

/** A write that found the disk full stops the spending at once, and says so plainly. */
export function onWriteError(run: PipelineRun, error: unknown, doing: string): unknown {
  if (!isDiskFull(error)) return error;
  run.diskFull ??= EARLIER_WRITE_FAILED;
  return diskFullError(error, doing);
}

/** A path as messages show it: relative to the site. */
export function shown(run: PipelineRun, path: string): string {
  return relative(run.settings.root, path) || '.';
}

/**
 * Tidies the caches (the derived cache after cold work; the locks of builds on this host
 * that were killed holding them), makes the entries read through durable and saves what
 * this run learnt for the next.
 */
export async function finishRun(run: PipelineRun): Promise<void> {
  const fallbacks = cardFallbackWarning(run.cardFallbacks);
  if (fallbacks) run.tally.warning(fallbacks);
  await removeDeadLocksOf(run.settings.cacheDir, (message) => run.tally.warning(message));
  // Only after cold work: a warm build should not walk the derived cache.
  if (run.derivedCold) {
    await removeStaleTempDirs(run.derivedDir, STALE_TEMP_MS).catch((error: unknown) =>
      run.tally.warning(`Could not clean the derived cache: ${(error as Error).message}`),
    );
  }
  await keepWhatWasLearnt(run, (message) => run.tally.warning(message));
}

/**
 * Flushes the folders of the entries read through and saves the warm index. Neither
 * failing fails a post (the entries are there, and the remote has them): each is a warning.
 */
async function keepWhatWasLearnt(run: PipelineRun, warn: (message: string) => void) {
  await run.store
    .flush()
    .catch((error: unknown) =>
      warn(
        `Could not flush the entries read through from the remote cache to disk: ${(error as Error).message}`,
      ),
    );
  await saveWarmIndex(run.warmIndex, warn);
}

/**
 * After a run that wrote behind (`RunPipelineOptions.writeBehind`): waits for the local
 * copies, makes them durable and saves what writing them taught the warm index (the next
 * build then finds them at two stats each). Never rejects: nothing here fails a post, whose
 * header was made from the entry's sidecar and derived files.
 */
export async function settleWrites(run: PipelineRun): Promise<void> {
  const warn = (message: string) => run.emit({ type: 'warning', message });
  const { written, failures } = await run.store.settle();
  const [first] = failures;
  if (first) {
    const reason = (first.error as Error)?.message ?? String(first.error);
    warn(
      `Could not write ${failures.length === 1 ? 'an image' : `${failures.length} images`} read through from the remote cache into ${shown(run, run.settings.cacheDir)}: ${reason}. The pages are not affected; the next build reads ${failures.length === 1 ? 'it' : 'them'} through again.`,
    );
  }
  if (written > 0) await keepWhatWasLearnt(run, warn);
}
