import pLimit from 'p-limit';
import { type FileWriter, startFileWriter } from '../files/file-writer.js';
import { firstCandidateKey, type GenerationKeyInput, generationKey } from './keys.js';
import type { RemoteCache, RemoteFetch, RemoteFetchOptions } from './remote-cache.js';
import type { Sidecar } from './sidecar.js';
import type { CachedImage, ImageStore } from './store.js';

/**
 * Remote reads at once. Each is two round trips (sidecar, then image), and reads asked for in
 * the same turn share them (a Redis MGET): 32 at once took a 1,000-post read-through's
 * first run from ~0.43 s to ~0.33 s against 8. Their images' bytes are bounded apart, by
 * `REMOTE_BYTES`.
 */
export const REMOTE_CONCURRENCY = 32;
/**
 * Image bytes held at once from the remote (`TieredStoreOptions.byteLimit`, as a run sets
 * it): asked for, being checked, or waiting to be written behind. A site of 4K images kept
 * as received (about 28 MB each) would otherwise hold 32 of them in flight, and every copy
 * queued behind the build, at once; 1K compact images (~35–250 KB) never wait for it.
 */
export const REMOTE_BYTES = 128 * 2 ** 20;
/**
 * Local copies written behind at once (see `TieredStoreOptions.writeBehind`): their files
 * are written in a thread of their own, one entry after another; a second keeps it busy
 * while the first's shard is made ready.
 */
const WRITE_BEHIND_CONCURRENCY = 2;

/** What happened at the remote, for the run's counters and log. */
export type RemoteOutcome =
  | { type: 'hit'; key: string }
  | { type: 'rejected'; key: string; reason: string; name: string }
  | { type: 'written'; key: string }
  /** The remote already had an entry for a key we paid for: it was kept, not overwritten. */
  | { type: 'exists'; key: string }
  /** The remote was needed but is down, slow or misconfigured: we go on without it. */
  | { type: 'unavailable'; key: string };

export interface TieredStoreOptions {
  /**
   * Let the local copy of a remote entry whose pixels the run does not need (its posts'
   * derived files are all kept) be written after `readThrough` has returned it: a build's
   * headers need only its sidecar and those files, and the build goes on while about two
   * files per post are created. `settle()` waits for them; `read` of such an entry waits
   * for its own. Default false: each copy is written before `readThrough` returns.
   */
  writeBehind?: boolean;
  /**
   * Bounds the image bytes held at once from the remote (see `REMOTE_BYTES`): each image
   * takes its size from before it is asked for until its copy is written. A weighted limit
   * (`pipeline/pixel-budget.ts`); default: unbounded.
   */
  byteLimit?: <T>(bytes: number, task: () => Promise<T>) => Promise<T>;
}

/** How the copies written behind went (see `TieredStoreOptions.writeBehind`). */
export interface WriteBehindOutcome {
  written: number;
  failures: Array<{ key: string; error: unknown }>;
}

/** A lease on a key at the remote; `held` is false when there is nothing to hold. */
export interface Lease {
  readonly held: boolean;
  release(): Promise<void>;
}

/**
 * The committed cache on this machine in front of a shared remote cache (if the site has
 * one): lookups, locks and writes are local; a local miss can be read through from the
 * remote; a paid image is written back to it; a lease there makes machines that build at
 * once pay once. Without a remote, every remote step is a no-op.
 */
export interface TieredStore
  extends Pick<
    ImageStore,
    'lookup' | 'recall' | 'read' | 'persist' | 'lock' | 'keepRejected' | 'flush'
  > {
  readonly local: ImageStore;
  /** The remote's label (nothing secret in it), when there is one. */
  readonly remoteLabel: string | undefined;
  /**
   * The remote's checked entry for `input`, written to the local cache; no request is made.
   * Its pixels are decoded only when `options.needsPixels` says they will be needed.
   */
  readThrough(
    input: GenerationKeyInput,
    options?: RemoteFetchOptions,
  ): Promise<CachedImage | undefined>;
  /** Waits for and takes the remote lease on `key`. */
  lease(
    key: string,
    options: { signal?: AbortSignal | undefined; onWait: () => void },
  ): Promise<Lease>;
  /** Write-back: a paid image and its sidecar, never over an existing entry. */
  publish(entry: CachedImage, bytes: Uint8Array): Promise<void>;
  /**
   * Waits for the copies written behind so far (see `TieredStoreOptions.writeBehind`); never
   * rejects. They still need `flush` to survive a crash.
   */
  settle(): Promise<WriteBehindOutcome>;
}

const NO_LEASE: Lease = { held: false, release: async () => {} };

/**
 * Takes `weight` of `limit` (a weighted limit such as `TieredStoreOptions.byteLimit`) as soon
 * as it fits, and holds it until the function it resolves with is called: for an image's
 * bytes, held from before they are asked for until they are written.
 */
export function holdShare(
  limit: <T>(weight: number, task: () => Promise<T>) => Promise<T>,
  weight: number,
): Promise<() => void> {
  return new Promise((admitted) => {
    void limit(weight, () => new Promise<void>((release) => admitted(release)));
  });
}

/**
 * Fetches `input`'s entry from `remote`, its image's bytes held in `hold` from before they
 * are asked for; `release` gives them back (nothing to give when no image was asked for).
 */
export async function fetchHolding(
  remote: RemoteCache,
  input: GenerationKeyInput,
  hold: (bytes: number) => Promise<() => void>,
  options: Omit<RemoteFetchOptions, 'beforeImage'> = {},
): Promise<{ found: RemoteFetch; release: () => void }> {
  let release = () => {};
  const found = await remote.fetch(input, {
    ...options,
    beforeImage: async (sidecar) => {
      release = await hold(sidecar.bytes);
    },
  });
  return { found, release };
}

export function openTieredStore(
  local: ImageStore,
  remote: RemoteCache | undefined,
  onRemote: (outcome: RemoteOutcome) => void,
  { writeBehind = false, byteLimit }: TieredStoreOptions = {},
): TieredStore {
  const remoteLimit = pLimit(REMOTE_CONCURRENCY);
  const writeLimit = pLimit(WRITE_BEHIND_CONCURRENCY);
  /** The thread that writes the copies behind: started with the first, ended by `settle`. */
  let writer: FileWriter | undefined;
  /** Copies being written behind, by key; each settles as undefined or its error. */
  const writing = new Map<string, Promise<{ error: unknown } | undefined>>();

  const holdBytes = (bytes: number): Promise<() => void> =>
    byteLimit ? holdShare(byteLimit, bytes) : Promise.resolve(() => {});

  /** `release` gives the bytes' share of the limit back once the copy is written. */
  function writeLater(sidecar: Sidecar, bytes: Uint8Array, release: () => void): CachedImage {
    const { key } = sidecar;
    const entry = local.adoptedEntry(sidecar);
    writer ??= startFileWriter();
    const thread = writer;
    const written = writeLimit(() => local.adopt(sidecar, bytes, thread)).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    written.then(release);
    writing.set(key, written);
    return entry;
  }

  return {
    local,
    remoteLabel: remote?.label,
    lookup: (input) => local.lookup(input),
    recall: (input) => local.recall(input),
    async read(entry) {
      const behind = await writing.get(entry.key);
      if (behind) throw behind.error;
      return local.read(entry);
    },
    persist: (input, image, meta, landed) => local.persist(input, image, meta, landed),
    lock: (key, options) => local.lock(key, options),
    keepRejected: (key, bytes, reason) => local.keepRejected(key, bytes, reason),
    flush: () => local.flush(),

    async readThrough(input, options) {
      if (!remote) return undefined;
      const key = generationKey(input);
      // Whether the run will read this entry's pixels: only then is its copy written first.
      let pixelsNeeded = true;
      // The image's share of the byte limit, from before it is asked for until it is written.
      const { found, release } = await remoteLimit(() =>
        fetchHolding(remote, input, holdBytes, {
          needsPixels: async (sidecar) => {
            pixelsNeeded = (await options?.needsPixels?.(sidecar)) ?? true;
            return pixelsNeeded;
          },
        }),
      );
      if (found.status === 'unavailable') onRemote({ type: 'unavailable', key });
      if (found.status === 'rejected') {
        onRemote({ type: 'rejected', key, reason: found.reason, name: found.name });
      }
      if (found.status !== 'hit') {
        release();
        return undefined;
      }
      const later = writeBehind && !pixelsNeeded && (input.candidate ?? 1) === 1;
      let entry: CachedImage;
      if (later) {
        entry = writeLater(found.sidecar, found.bytes, release);
      } else {
        try {
          // A later candidate is listed in its first image's sidecar: when that image's copy
          // is being written behind, it is waited for (its failure, if any, is the adopt's).
          const candidate = input.candidate ?? 1;
          if (candidate > 1) await writing.get(firstCandidateKey(input));
          entry = await local.adopt(found.sidecar, found.bytes);
        } finally {
          release();
        }
      }
      onRemote({ type: 'hit', key });
      return entry;
    },

    async lease(key, options) {
      if (!remote) return NO_LEASE;
      const lease = await remote.lease(key, options);
      if (lease === 'unavailable') onRemote({ type: 'unavailable', key });
      return typeof lease === 'object' ? { held: true, release: () => lease.release() } : NO_LEASE;
    },

    async publish(entry, bytes) {
      if (!remote) return;
      const outcome = await remote.publish(entry.sidecar, bytes);
      if (outcome === 'unavailable') onRemote({ type: 'unavailable', key: entry.key });
      if (outcome === 'written') onRemote({ type: 'written', key: entry.key });
      if (outcome === 'exists') onRemote({ type: 'exists', key: entry.key });
    },

    async settle() {
      const copies = [...writing];
      const results = await Promise.all(copies.map(([, written]) => written));
      for (const [key] of copies) writing.delete(key);
      await writer?.close();
      writer = undefined;
      return {
        written: results.filter((result) => !result).length,
        failures: copies.flatMap(([key], index) => {
          const failed = results[index];
          return failed ? [{ key, error: failed.error }] : [];
        }),
      };
    },
  };
}
