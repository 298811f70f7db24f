import { join, relative } from 'node:path';
import pLimit from 'p-limit';
import { createBudget, type Reservation } from './budget.js';
import { type CachedImage, type ImageStore, openImageStore } from './cache/store.js';
import {
  type DerivedSet,
  type DeriveSpec,
  derivativeKey,
  getDerivedSet,
  keyDirectory,
  readDerivedSet,
  removeStaleTempDirs,
} from './derive/index.js';
import { createPixelBudget } from './derive/pixel-budget.js';
import { diskFullError, isDiskFull, notGeneratedOnFullDisk } from './disk-full.js';
import { HeaderforgeError, type HeaderforgeErrorCode } from './errors.js';
import type { HeaderJob, OutputFormat } from './header-job.js';
import { type GenerationKeyInput, generationKey, jobKeyInput } from './keys.js';
import type { Mode } from './mode.js';
import { createPlaceholderProvider } from './providers/placeholder.js';
import type { Provider } from './providers/provider.js';
import type { RemoteCache } from './remote/remote-cache.js';
import { createRequestSlots } from './request-slots.js';
import { openWarmIndex, type WarmIndex } from './warm-index.js';

/** The resolved options the pipeline needs (a subset of the site options). */
export interface PipelineSettings {
  root: string;
  cacheDir: string;
  derivedCacheDir: string;
  concurrency: number;
  widths: number[];
  formats: OutputFormat[];
  og: boolean;
  maxNewImages?: number | undefined;
  maxCostUsd?: number | undefined;
}

export interface RunPipelineOptions {
  settings: PipelineSettings;
  mode: Exclude<Mode, 'off'>;
  /** Makes the paid images; required in `generate` mode. */
  provider?: Provider;
  onEvent?: (event: PipelineEvent) => void;
  signal?: AbortSignal;
  /** What earlier builds verified (default: the one in `derivedCacheDir`); saved at the end. */
  warmIndex?: WarmIndex;
  /**
   * A shared cache consulted after a local miss (read-through) and given every paid image
   * (write-back), with a lease per key so that machines building at once pay once.
   */
  remote?: RemoteCache | undefined;
}

export interface HeaderResult {
  job: HeaderJob;
  key: string;
  /** Where the original came from in this run. */
  source: 'cache' | 'remote' | 'generated' | 'reused' | 'placeholder';
  placeholder: boolean;
  original: { file: string; width: number; height: number; sha256: string };
  derived: DerivedSet;
}

export interface PostFailure {
  file: string;
  line?: number | undefined;
  key: string;
  code: HeaderforgeErrorCode;
  message: string;
  hint?: string | undefined;
}

export interface PipelineSummary {
  posts: number;
  /** Distinct images needed (posts with the same final prompt share one). */
  unique: number;
  cached: number;
  generated: number;
  /** Made by another build running at the same time, which we waited for. */
  reused: number;
  placeholders: number;
  failed: number;
  /** Not generated because the budget would have been exceeded (also counted in failed). */
  skipped: number;
  /** Cache entries found corrupt and set aside. */
  corrupt: number;
  /** Images taken from the shared remote cache (checked, then written to the local cache). */
  remoteHits: number;
  /** Paid images uploaded to the remote cache. */
  remoteWrites: number;
  /** Remote entries refused: wrong key, wrong hash, or not a decodable image. */
  remoteRejected: number;
  /** Images for which the remote was needed but down, slow or misconfigured. */
  remoteFallbacks: number;
  costUsd: number;
  durationMs: number;
}

export interface PipelineResult {
  headers: HeaderResult[];
  failures: PostFailure[];
  summary: PipelineSummary;
}

type Counters = Omit<PipelineSummary, 'durationMs'>;

export type PipelineEvent =
  | {
      type: 'planned';
      posts: number;
      unique: number;
      cached: number;
      missing: number;
      mode: RunPipelineOptions['mode'];
    }
  | { type: 'corrupt'; key: string; reason: string; movedTo: string }
  | { type: 'waiting'; key: string; files: string[] }
  | { type: 'started'; key: string; files: string[]; model: string }
  | {
      type: 'generated';
      key: string;
      files: string[];
      costUsd?: number | undefined;
      durationMs: number;
    }
  | { type: 'placeholder'; key: string; files: string[] }
  | { type: 'remote-hit'; key: string; files: string[] }
  | { type: 'remote-rejected'; key: string; files: string[]; reason: string; name: string }
  | { type: 'remote-written'; key: string; files: string[] }
  | { type: 'failed'; key: string; files: string[]; error: HeaderforgeError }
  | { type: 'skipped'; key: string; files: string[]; reason: string }
  | { type: 'progress'; done: number; total: number; counters: Counters }
  | { type: 'warning'; message: string }
  | { type: 'done'; summary: PipelineSummary };

interface Group {
  key: string;
  input: GenerationKeyInput;
  jobs: HeaderJob[];
}

interface Obtained {
  entry: CachedImage;
  source: HeaderResult['source'];
}

/** Derivation is CPU-bound and sharp already uses every core: two at a time is enough. */
const DERIVE_CONCURRENCY = 2;
/**
 * Decoded pixels in flight across derivations (each holds its original and master raw):
 * two 2K images fit side by side, a 4K one derives alone. Keeps a 4K build under 512 MB.
 */
const DERIVE_PIXEL_BUDGET = 24_000_000;
/** Older than any one derivation: a temp dir this old belongs to a killed build. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const LOOKUP_CONCURRENCY = 16;
/** Remote reads at once: each is a round trip, and checking an image decodes it. */
const REMOTE_CONCURRENCY = 8;

/**
 * Plans hits and misses, generates the misses (deduplicated, concurrency-limited, budgeted,
 * locked across processes), persists each image before anything else can fail, then derives.
 * One post's failure never costs another post its image: failures are collected, not thrown.
 */
export async function runPipeline(
  jobs: HeaderJob[],
  options: RunPipelineOptions,
): Promise<PipelineResult> {
  const started = performance.now();
  const { settings, mode, signal, remote } = options;
  const emit = options.onEvent ?? (() => {});
  if (mode === 'generate' && !options.provider) {
    throw new Error('runPipeline: mode "generate" needs a provider');
  }
  const warmIndex = options.warmIndex ?? openWarmIndex(settings.derivedCacheDir);
  const store = openImageStore(settings.cacheDir, {
    verificationDir: join(settings.derivedCacheDir, 'originals'),
    root: settings.root,
    warmIndex,
  });
  const placeholderStore = openImageStore(join(settings.derivedCacheDir, 'placeholders'), {
    root: settings.root,
  });
  const derivedDir = join(settings.derivedCacheDir, 'derived');
  const groups = groupByKey(jobs);
  const { durationMs: _, ...counters }: PipelineSummary = {
    ...emptySummary(),
    posts: jobs.length,
    unique: groups.length,
  };

  // 1. Plan: which images are already in the committed cache.
  const lookupLimit = pLimit(LOOKUP_CONCURRENCY);
  const planned = await Promise.all(
    groups.map((group) =>
      lookupLimit(async () => {
        const result = await store.lookup(group.input);
        if (result.status === 'corrupt') {
          counters.corrupt += 1;
          emit({ type: 'corrupt', key: group.key, reason: result.reason, movedTo: result.movedTo });
        }
        return { group, hit: result.status === 'hit' ? result.entry : undefined };
      }),
    ),
  );
  const missing = planned.filter((plan) => !plan.hit).length;
  emit({
    type: 'planned',
    posts: jobs.length,
    unique: groups.length,
    cached: groups.length - missing,
    missing,
    mode,
  });

  // 2. Obtain every original, then 3. derive, group by group as each becomes ready.
  const budget = createBudget(settings);
  // Held from the request until its image is saved, and given back before the upload and
  // the lock's release, so that the next request need not wait for those.
  const requestSlots = createRequestSlots(settings.concurrency);
  const deriveLimit = createPixelBudget(DERIVE_PIXEL_BUDGET, DERIVE_CONCURRENCY);
  const remoteLimit = pLimit(REMOTE_CONCURRENCY);
  // Per key, so an image whose lookup, lease and upload all fell back counts once.
  const fellBack = new Set<string>();
  const rejected = new Set<string>();
  const placeholders = createPlaceholderProvider();
  const headers: HeaderResult[] = [];
  const failures: PostFailure[] = [];
  let done = 0;
  let derivedCold = false;
  // Set by the first write that finds the disk full: from then on nothing more is paid for,
  // since an image that cannot be saved would be paid for and lost.
  let diskFull = false;
  const show = (path: string) => relative(settings.root, path) || '.';

  const fail = (group: Group, error: HeaderforgeError) => {
    counters.failed += 1;
    emit({ type: 'failed', key: group.key, files: files(group), error });
    for (const job of group.jobs) {
      failures.push({
        file: job.file,
        line: job.line,
        key: group.key,
        code: error.code,
        message: error.message,
        hint: error.hint,
      });
    }
  };

  async function obtain(group: Group, hit: CachedImage | undefined): Promise<Obtained | undefined> {
    if (hit) {
      counters.cached += 1;
      return { entry: hit, source: 'cache' };
    }
    const shared = await fromRemote(group);
    if (shared) return shared;
    if (mode === 'cache-only') {
      fail(group, cacheMissError(group));
      return undefined;
    }
    if (mode === 'placeholder') return obtainPlaceholder(group);
    const release = await requestSlots.acquire();
    try {
      return await generate(group, release);
    } finally {
      release();
    }
  }

  function fallBack(group: Group) {
    fellBack.add(group.key);
    counters.remoteFallbacks = fellBack.size;
  }

  /** Read-through: a checked remote entry is written to the local cache; no request is made. */
  async function fromRemote(group: Group): Promise<Obtained | undefined> {
    if (!remote) return undefined;
    const found = await remoteLimit(() => remote.fetch(group.input));
    if (found.status === 'unavailable') fallBack(group);
    if (found.status === 'rejected' && !rejected.has(group.key)) {
      rejected.add(group.key);
      counters.remoteRejected = rejected.size;
      emit({
        type: 'remote-rejected',
        key: group.key,
        files: files(group),
        reason: found.reason,
        name: found.name,
      });
    }
    if (found.status !== 'hit') return undefined;
    const entry = await store.adopt(found.sidecar, found.bytes);
    counters.remoteHits += 1;
    emit({ type: 'remote-hit', key: group.key, files: files(group) });
    return { entry, source: 'remote' };
  }

  async function obtainPlaceholder(group: Group): Promise<Obtained> {
    counters.placeholders += 1;
    emit({ type: 'placeholder', key: group.key, files: files(group) });
    const existing = await placeholderStore.lookup(group.input);
    if (existing.status === 'hit') return { entry: existing.entry, source: 'placeholder' };
    const art = await placeholders.generate(firstJob(group));
    const entry = await placeholderStore.persist(group.input, art, {
      placeholder: true,
      sources: files(group),
    });
    return { entry, source: 'placeholder' };
  }

  async function generate(group: Group, releaseSlot: () => void): Promise<Obtained | undefined> {
    signal?.throwIfAborted();
    const provider = options.provider as Provider;
    const reservation = budget.reserve(await provider.estimate(firstJob(group)));
    if ('refused' in reservation) {
      counters.skipped += 1;
      emit({ type: 'skipped', key: group.key, files: files(group), reason: reservation.refused });
      fail(group, budgetError(group, reservation.refused));
      return undefined;
    }
    const lock = await store.lock(group.key, {
      ...(signal ? { signal } : {}),
      onWait: () => emit({ type: 'waiting', key: group.key, files: files(group) }),
    });
    try {
      // Another build may have made it while we waited for the lock.
      const again = await store.lookup(group.input);
      if (again.status === 'hit') {
        reservation.cancel();
        counters.reused += 1;
        return { entry: again.entry, source: 'reused' };
      }
      if (diskFull) {
        reservation.cancel();
        throw notGeneratedOnFullDisk(files(group).join(', '));
      }
      return await generateUnderLease(group, reservation, releaseSlot);
    } finally {
      await lock.release();
    }
  }

  /**
   * Taken after the local lock, so one process per machine asks the remote for the lease.
   * Once it is ours, the remote is read again: the machine that held it may have published
   * the image since our first look (even without us waiting, if this key was queued).
   */
  async function generateUnderLease(
    group: Group,
    reservation: Reservation,
    releaseSlot: () => void,
  ): Promise<Obtained | undefined> {
    const lease = remote
      ? await remote.lease(group.key, {
          signal,
          onWait: () => emit({ type: 'waiting', key: group.key, files: files(group) }),
        })
      : undefined;
    if (lease === 'unavailable') fallBack(group);
    try {
      const shared = typeof lease === 'object' ? await fromRemote(group) : undefined;
      if (shared) {
        reservation.cancel();
        return shared;
      }
      return await generateAndPublish(group, reservation, releaseSlot);
    } finally {
      if (typeof lease === 'object') await lease.release();
    }
  }

  async function generateAndPublish(
    group: Group,
    reservation: Reservation,
    releaseSlot: () => void,
  ): Promise<Obtained> {
    const provider = options.provider as Provider;
    emit({ type: 'started', key: group.key, files: files(group), model: group.input.model });
    const began = performance.now();
    let image: Awaited<ReturnType<Provider['generate']>>;
    try {
      image = await provider.generate(firstJob(group), signal);
    } catch (error) {
      releaseSlot();
      reservation.cancel();
      await keepRejected(group, error);
      throw error;
    }
    reservation.settle(image.costUsd);
    counters.costUsd += image.costUsd ?? 0;
    const entry = await store
      .persist(group.input, image, {
        placeholder: false,
        costUsd: image.costUsd,
        generationId: image.generationId,
        usage: image.usage,
        sources: files(group),
      })
      .catch((error: unknown) => {
        throw onWriteError(error, `saving the paid image in ${show(settings.cacheDir)}`);
      })
      // Only once it is saved: a build killed now loses at most `concurrency` paid images.
      .finally(releaseSlot);
    counters.generated += 1;
    emit({
      type: 'generated',
      key: group.key,
      files: files(group),
      costUsd: image.costUsd,
      durationMs: performance.now() - began,
    });
    await publish(group, entry, image.bytes);
    return { entry, source: 'generated' };
  }

  /** Write-back: the paid image and its sidecar, never over an existing entry. */
  async function publish(group: Group, entry: CachedImage, bytes: Uint8Array): Promise<void> {
    if (!remote) return;
    const outcome = await remote.publish(entry.sidecar, bytes);
    if (outcome === 'unavailable') fallBack(group);
    if (outcome === 'written') {
      counters.remoteWrites += 1;
      emit({ type: 'remote-written', key: group.key, files: files(group) });
    }
    if (outcome === 'exists') {
      emit({
        type: 'warning',
        message: `${remote.label} already has an entry for ${postList(files(group))} (key ${group.key.slice(0, 12)}); it was kept, not overwritten`,
      });
    }
  }

  /** A write that found the disk full stops the spending at once, and says so plainly. */
  function onWriteError(error: unknown, doing: string): unknown {
    if (!isDiskFull(error)) return error;
    diskFull = true;
    return diskFullError(error, doing);
  }

  /** An image that was paid for but refused is kept in the quarantine, never dropped. */
  async function keepRejected(group: Group, error: unknown): Promise<void> {
    const bytes = error instanceof HeaderforgeError ? error.rejectedImage : undefined;
    if (!bytes) return;
    const posts = files(group).join(', ');
    try {
      const where = await store.keepRejected(group.key, bytes, (error as Error).message);
      emit({
        type: 'warning',
        message: `kept the unusable image returned for ${posts} in ${where} (it was paid for)`,
      });
    } catch (keepError) {
      emit({
        type: 'warning',
        message: `could not keep the unusable image returned for ${posts}: ${(keepError as Error).message}`,
      });
    }
  }

  async function derive(
    obtained: Obtained,
    job: HeaderJob,
    store: ImageStore,
  ): Promise<DerivedSet> {
    const spec: DeriveSpec = {
      aspectRatio: job.aspectRatio,
      focus: job.focus,
      widths: settings.widths,
      formats: settings.formats,
      og: settings.og,
    };
    const { sha256 } = obtained.entry.sidecar;
    const key = derivativeKey(sha256, spec);
    // Placeholders come and go; only sets of committed images are worth remembering.
    const index = obtained.source === 'placeholder' ? undefined : warmIndex;
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
    derivedCold = true;
    const { width, height } = obtained.entry.sidecar;
    return deriveLimit(width * height, async () => {
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
    }).catch((error: unknown) => {
      throw onWriteError(error, `writing the resized images in ${show(settings.derivedCacheDir)}`);
    });
  }

  await Promise.all(
    planned.map(async ({ group, hit }) => {
      try {
        const obtained = await obtain(group, hit);
        if (!obtained) return;
        const placeholder = obtained.source === 'placeholder';
        const from = placeholder ? placeholderStore : store;
        // Posts sharing an image may still crop it differently (per-post focus).
        const sets = new Map<string, Promise<DerivedSet>>();
        for (const job of group.jobs) {
          if (!sets.has(job.focus)) sets.set(job.focus, derive(obtained, job, from));
        }
        for (const job of group.jobs) {
          const { sidecar, file } = obtained.entry;
          headers.push({
            job,
            key: group.key,
            source: obtained.source,
            placeholder,
            original: {
              file,
              width: sidecar.width,
              height: sidecar.height,
              sha256: sidecar.sha256,
            },
            derived: await (sets.get(job.focus) as Promise<DerivedSet>),
          });
        }
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        fail(group, asHeaderforgeError(onWriteError(error, 'writing to the caches')));
      } finally {
        done += 1;
        emit({ type: 'progress', done, total: groups.length, counters: { ...counters } });
      }
    }),
  );

  // Only after cold work: a warm build should not walk the derived cache.
  if (derivedCold) {
    await removeStaleTempDirs(derivedDir, STALE_TEMP_MS).catch((error: unknown) =>
      emit({
        type: 'warning',
        message: `Could not clean the derived cache: ${(error as Error).message}`,
      }),
    );
  }
  await warmIndex.save().catch((error: unknown) =>
    emit({
      type: 'warning',
      message: `Could not save the warm-build index: ${(error as Error).message}`,
    }),
  );
  const summary: PipelineSummary = { ...counters, durationMs: performance.now() - started };
  emit({ type: 'done', summary });
  headers.sort((a, b) => compare(a.job.file, b.job.file));
  failures.sort((a, b) => compare(a.file, b.file));
  return { headers, failures, summary };
}

export function emptySummary(): PipelineSummary {
  return {
    posts: 0,
    unique: 0,
    cached: 0,
    generated: 0,
    reused: 0,
    placeholders: 0,
    failed: 0,
    skipped: 0,
    corrupt: 0,
    remoteHits: 0,
    remoteWrites: 0,
    remoteRejected: 0,
    remoteFallbacks: 0,
    costUsd: 0,
    durationMs: 0,
  };
}

function groupByKey(jobs: HeaderJob[]): Group[] {
  const groups = new Map<string, Group>();
  for (const job of jobs) {
    const input = jobKeyInput(job);
    const key = generationKey(input);
    const group = groups.get(key);
    if (group) group.jobs.push(job);
    else groups.set(key, { key, input, jobs: [job] });
  }
  return [...groups.values()];
}

const files = (group: Group) => group.jobs.map((job) => job.file);
const postList = (list: string[]) =>
  list.length <= 2 ? list.join(', ') : `${list[0]} and ${list.length - 1} more`;
const firstJob = (group: Group) => group.jobs[0] as HeaderJob;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function cacheMissError(group: Group): HeaderforgeError {
  return new HeaderforgeError(
    'cache_miss',
    `No cached header image for ${files(group).join(', ')} (cache-only mode)`,
    {
      hint: 'Fill the cache where a key is available (`OPENROUTER_API_KEY=… npx headerforge generate`) and commit the cache folder.',
    },
  );
}

function budgetError(group: Group, reason: string): HeaderforgeError {
  return new HeaderforgeError(
    'budget_exceeded',
    `Not generated for ${files(group).join(', ')}: ${reason}`,
    {
      hint: 'Raise maxNewImages / maxCostUsd, or build again later: images already generated are kept.',
    },
  );
}

function asHeaderforgeError(error: unknown): HeaderforgeError {
  if (error instanceof HeaderforgeError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new HeaderforgeError('io', `File system error: ${message}`, {
      cause: error,
      hint: 'Check permissions and free space for the cache folders.',
    });
  }
  return new HeaderforgeError('generation_failed', message, { cause: error });
}
