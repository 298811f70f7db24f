import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256Hex } from '../cache/keys.js';
import type { ImageStore } from '../cache/store.js';
import type { WarmIndex } from '../cache/warm-index.js';
import { cardPlan } from '../derive/card-spec.js';
import type { DerivedFile, DerivedSet } from '../derive/derived-set.js';
import { getDerivedSet } from '../derive/get-derived-set.js';
import { findOrCopyTitleCards, findTitleCards, getTitleCards } from '../derive/get-title-cards.js';
import { derivativeKey } from '../derive/key.js';
import { fromManifest, type Manifest, toManifest } from '../derive/manifest.js';
import { sharedDecode } from '../derive/shared-decode.js';
import type { RawImage } from '../derive/sharp-input.js';
import { keyDirectory, readDerivedSet } from '../derive/store.js';
import { titleCardInput } from './card-input.js';
import { deriveSpecFor } from './derive-spec.js';
import type { HeaderJob } from './header-job.js';
import type { Obtained } from './obtain.js';
import type { ImageGroup } from './plan.js';
import { onWriteError, type PipelineRun, shown } from './run.js';
import { sharedSlot } from './shared-slot.js';
import type { HeaderResult } from './summary.js';

/**
 * Every post's header from its image's original: the derived set for its crop (posts that
 * share an image may still crop it differently, by their own `focus`), and its title cards.
 */
export async function deriveHeaders(
  run: PipelineRun,
  group: ImageGroup,
  obtained: Obtained,
): Promise<HeaderResult[]> {
  const placeholder = obtained.source === 'placeholder';
  // The tiered store's `read` waits for a copy still being written behind.
  const from = placeholder ? run.placeholders : run.store;
  // Posts of one image share a set when they crop it alike and want the same card.
  const setOf = (job: HeaderJob) => `${job.focus}\0${deriveSpecFor(run.settings, job).og}`;
  const derive = fromPixels(run, group, obtained, from);
  const sets = new Map<string, Promise<DerivedSet>>();
  for (const job of group.jobs) {
    const set = setOf(job);
    if (!sets.has(set)) sets.set(set, deriveSet(run, obtained, job, derive));
  }
  const cardsOf = new Map(group.jobs.map((job) => [job, titleCards(run, obtained, job, derive)]));
  // Awaited in order below; one failing first must not go unhandled meanwhile.
  for (const made of [...sets.values(), ...cardsOf.values()]) made.catch(() => {});
  const { sidecar, file } = obtained.entry;
  const headers: HeaderResult[] = [];
  try {
    for (const job of group.jobs) {
      const derived = await (sets.get(setOf(job)) as Promise<DerivedSet>);
      const cards = await cardsOf.get(job);
      headers.push({
        job,
        key: group.key,
        source: obtained.source,
        placeholder,
        original: { file, width: sidecar.width, height: sidecar.height, sha256: sidecar.sha256 },
        derived,
        ...(cards ? { cards } : {}),
      });
    }
  } finally {
    // One failing (a stopped run, a full disk) ends this only once the others have: nothing
    // of it writes to the caches, or reads the received bytes, once the caller goes on.
    await Promise.allSettled([...sets.values(), ...cardsOf.values()]);
    if (obtained.receivedFile) {
      await rm(dirname(obtained.receivedFile), { recursive: true, force: true }).catch(() => {});
    }
  }
  return headers;
}

/**
 * Whether every derived set and title card `group`'s posts need from an original with this
 * hash is already made: then deriving them reads no pixel of it. An image no post shows is derived later,
 * if ever, so it counts as needing its pixels.
 */
export async function derivedSetsKept(
  run: PipelineRun,
  group: ImageGroup,
  sha256: string,
): Promise<boolean> {
  if (group.jobs.length === 0) return false;
  for (const job of group.jobs) {
    if (!(await keptSet(run, derivedSetKey(run, job, sha256), run.warmIndex))) return false;
    const cards = titleCardInput(run.settings, job, sha256, false);
    if (cards && !findTitleCards(cards)) return false;
  }
  return true;
}

/** Asks the read-through to decode an image only when its posts' derived sets are missing. */
export const pixelsNeededBy =
  (run: PipelineRun, group: ImageGroup) =>
  async ({ sha256 }: { sha256: string }): Promise<boolean> =>
    !(await derivedSetsKept(run, group, sha256));

const derivedSetKey = (run: PipelineRun, job: HeaderJob, sha256: string) =>
  derivativeKey(sha256, deriveSpecFor(run.settings, job));

/** A derived set remembered by the warm index or read from the derived cache. */
async function keptSet(
  run: PipelineRun,
  key: string,
  index: WarmIndex | undefined,
): Promise<DerivedSet | undefined> {
  const setDir = keyDirectory(run.derivedDir, key);
  // Remembered as its manifest (file names, not paths): a set is a tenth of the index's
  // size that way, which is what a 10,000-post site loads on every build.
  const known = index?.recall<Manifest>('derived', key);
  if (known) return fromManifest(known, setDir);
  // The set's folder changes whenever a file in it is added, removed or renamed.
  const stamps = index?.stamp([setDir]);
  const warm = await readDerivedSet(run.derivedDir, key);
  if (warm && stamps) index?.remember('derived', key, stamps, toManifest(key, warm));
  return warm;
}

/**
 * The derived set of one original for one post's crop: remembered by the warm index, read
 * from the derived cache, or made (within the pixel budget) and remembered.
 */
async function deriveSet(
  run: PipelineRun,
  obtained: Obtained,
  job: HeaderJob,
  derive: FromPixels,
): Promise<DerivedSet> {
  const { settings, derivedDir } = run;
  const spec = deriveSpecFor(run.settings, job);
  const { sha256 } = obtained.entry.sidecar;
  const key = derivativeKey(sha256, spec);
  // Offline art's sets too: a dev server shows them at start by recalling them.
  const index = run.warmIndex;
  const warm = await keptSet(run, key, index);
  if (warm) return warm;
  run.derivedCold = true;
  const setDir = keyDirectory(derivedDir, key);
  return derive(async (pixels) => {
    const set = await getDerivedSet({
      original: pixels,
      originalSha256: sha256,
      spec,
      cacheDir: derivedDir,
      post: job.file,
    });
    const made = index?.stamp([setDir]);
    if (made) index?.remember('derived', key, made, toManifest(key, set));
    return set;
  }).catch((error: unknown) => {
    throw onWriteError(
      run,
      error,
      `writing the resized images in ${shown(run, settings.derivedCacheDir)}`,
    );
  });
}

/**
 * A post's title cards, when its card is one: found by their keys, copied from another
 * post's file of the same key, or drawn (within the pixel budget) from the original. A title
 * edit reaches only these: the derived set's key and the paid image's do not cover the title.
 */
async function titleCards(
  run: PipelineRun,
  obtained: Obtained,
  job: HeaderJob,
  derive: FromPixels,
): Promise<DerivedFile[] | undefined> {
  const { sha256 } = obtained.entry.sidecar;
  const plan = cardPlan(run.settings.og, job.og, job.title, job.file);
  if (plan.kind === 'crop' && plan.missingFonts) run.cardFallbacks.set(job, plan.missingFonts);
  const found = titleCardInput(run.settings, job, sha256, obtained.source === 'placeholder', plan);
  if (!found) return undefined;
  const failed = (error: unknown): never => {
    throw onWriteError(
      run,
      error,
      `writing the social cards in ${shown(run, run.settings.derivedCacheDir)}`,
    );
  };
  // Found cards cost a stat each (copied ones a read and a write: a renamed post's); only
  // drawing them takes a slot of the pixel budget.
  const kept = await findOrCopyTitleCards(found).catch(failed);
  if (kept) return kept;
  run.derivedCold = true;
  return derive(
    async (pixels) => (await getTitleCards({ ...found, original: pixels })).cards,
  ).catch(failed);
}

/** Runs cold work on an image's pixels: in a slot of the pixel budget, paced, decoded once. */
type FromPixels = <T>(work: (pixels: () => Promise<RawImage>) => Promise<T>) => Promise<T>;

/**
 * The cold derivations of one image (its posts' sets and title cards) join one slot of the
 * pixel budget when they want it at the same time, and share one decode of the original.
 */
function fromPixels(
  run: PipelineRun,
  group: ImageGroup,
  obtained: Obtained,
  store: Pick<ImageStore, 'read'>,
): FromPixels {
  const pace = run.paceOf(group);
  const { width, height } = obtained.entry.sidecar;
  const slot = sharedSlot((task) => run.deriveLimit(width * height, task));
  const decode = sharedDecode(() => originalBytes(obtained, store));
  return (work) => slot(() => decode.use((pixels) => pace(() => work(pixels))));
}

/**
 * The original's bytes to derive from: the pixels as received when this run just generated
 * the image (the cache may hold a compact re-encoding of them), else the cached image. Read
 * once a slot of the pixel budget is free.
 */
async function originalBytes(
  obtained: Obtained,
  store: Pick<ImageStore, 'read'>,
): Promise<Uint8Array> {
  return (
    (obtained.receivedFile ? await readReceived(obtained) : undefined) ??
    (await store.read(obtained.entry))
  );
}

/**
 * The received bytes kept for derivation, or undefined when they are gone or not what the
 * sidecar says was received (then derivation reads the cache's compact file).
 */
async function readReceived(obtained: Obtained): Promise<Uint8Array | undefined> {
  const bytes = await readFile(obtained.receivedFile as string).catch(() => undefined);
  const expected = obtained.entry.sidecar.received?.sha256;
  return bytes && sha256Hex(bytes) === expected ? bytes : undefined;
}
