import pLimit from 'p-limit';
import { type GenerationKeyInput, generationKey } from './keys.js';
import type { RemoteCache, RemoteFetchOptions } from './remote-cache.js';
import type { CachedImage, ImageStore } from './store.js';

/** Remote reads at once: each is two round trips, and checking an image may decode it. */
const REMOTE_CONCURRENCY = 8;

/** What happened at the remote, for the run's counters and log. */
export type RemoteOutcome =
  | { type: 'hit'; key: string }
  | { type: 'rejected'; key: string; reason: string; name: string }
  | { type: 'written'; key: string }
  /** The remote already had an entry for a key we paid for: it was kept, not overwritten. */
  | { type: 'exists'; key: string }
  /** The remote was needed but is down, slow or misconfigured: we go on without it. */
  | { type: 'unavailable'; key: string };

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
}

const NO_LEASE: Lease = { held: false, release: async () => {} };

export function openTieredStore(
  local: ImageStore,
  remote: RemoteCache | undefined,
  onRemote: (outcome: RemoteOutcome) => void,
): TieredStore {
  const remoteLimit = pLimit(REMOTE_CONCURRENCY);
  return {
    local,
    remoteLabel: remote?.label,
    lookup: (input) => local.lookup(input),
    recall: (input) => local.recall(input),
    read: (entry) => local.read(entry),
    persist: (input, image, meta, landed) => local.persist(input, image, meta, landed),
    lock: (key, options) => local.lock(key, options),
    keepRejected: (key, bytes, reason) => local.keepRejected(key, bytes, reason),
    flush: () => local.flush(),

    async readThrough(input, options) {
      if (!remote) return undefined;
      const key = generationKey(input);
      const found = await remoteLimit(() => remote.fetch(input, options));
      if (found.status === 'unavailable') onRemote({ type: 'unavailable', key });
      if (found.status === 'rejected') {
        onRemote({ type: 'rejected', key, reason: found.reason, name: found.name });
      }
      if (found.status !== 'hit') return undefined;
      const entry = await local.adopt(found.sidecar, found.bytes);
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
  };
}
