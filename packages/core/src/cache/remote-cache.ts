import { setTimeout as sleep } from 'node:timers/promises';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import type { RemoteBackend, RemoteLeaseHandle } from '../remote/backend.js';
import { remoteError } from '../remote/error.js';
import { openBackend } from '../remote/open-backend.js';
import type { RemoteSettings } from '../remote/settings.js';
import { keepAlive } from './keep-alive.js';
import { type GenerationKeyInput, generationKey } from './keys.js';
import { remoteNames } from './layout.js';
import { checkRemoteImage, checkRemotePixels, checkRemoteSidecar } from './remote-entry.js';
import type { Sidecar } from './sidecar.js';

export type RemoteFetch =
  | { status: 'hit'; sidecar: Sidecar; bytes: Uint8Array }
  | { status: 'miss' }
  /** The entry exists but failed a check; it is never written to the local cache. */
  | { status: 'rejected'; reason: string; name: string }
  | { status: 'unavailable' };

export type RemotePublish = 'written' | 'exists' | 'read-only' | 'unavailable';

export interface RemoteLease {
  release(): Promise<void>;
}

export interface RemoteFetchOptions {
  /**
   * Whether the caller will need the image's pixels (its derived files are missing): then
   * the bytes are decoded before they are accepted. Otherwise they are checked by size,
   * hash and header only. Default: they will be needed.
   */
  needsPixels?: (sidecar: Sidecar) => boolean | Promise<boolean>;
  /**
   * Called with the checked sidecar before its image is asked for (`sidecar.bytes` is the
   * image's size): the fetch waits for it. Lets the caller bound the image bytes it holds at
   * once (see `openTieredStore`).
   */
  beforeImage?: (sidecar: Sidecar) => Promise<void>;
}

export interface RemoteCache {
  /** The store's URL, nothing secret in it. */
  readonly label: string;
  readonly readOnly: boolean;
  /** Looks `input`'s entry up and checks it; never throws. */
  fetch(input: GenerationKeyInput, options?: RemoteFetchOptions): Promise<RemoteFetch>;
  /** Uploads a paid image and its sidecar; an existing entry is never overwritten. */
  publish(sidecar: Sidecar, bytes: Uint8Array): Promise<RemotePublish>;
  /**
   * Waits for and takes the lease on `key`, so that one machine at a time generates it.
   * `read-only` and `unavailable` mean: go on without one.
   */
  lease(
    key: string,
    options?: { signal?: AbortSignal | undefined; onWait?: () => void },
  ): Promise<RemoteLease | 'read-only' | 'unavailable'>;
  /** The keys of every entry in the store, or undefined when it cannot be listed. */
  keys(): Promise<Set<string> | undefined>;
  close(): Promise<void>;
}

export interface RemoteCacheOptions {
  readOnly: boolean;
  /** How long a lease lasts without a refresh (a crashed holder's expires after this). */
  leaseTtlMs: number;
  /** How often a machine waiting for a lease looks again. */
  pollMs: number;
  timeoutMs: number;
  /** Called once, on the first failure: from then on this cache makes no remote call. */
  onUnavailable?: (error: HeaderforgeError) => void;
}

/**
 * The shared cache on top of a store. Reads check everything before anything reaches the
 * local cache; writes create and never overwrite. The first failure of any call (down,
 * slow, refused, misconfigured) is reported once and switches the remote off for the rest
 * of this run, so a dead store costs one timeout, not one per image.
 */
export function createRemoteCache(
  backend: RemoteBackend,
  options: RemoteCacheOptions,
): RemoteCache {
  let down = false;
  const markDown = (error: unknown) => {
    if (down) return;
    down = true;
    options.onUnavailable?.(remoteError(backend.label, error, options.timeoutMs));
  };

  async function fetch(
    input: GenerationKeyInput,
    fetchOptions: RemoteFetchOptions = {},
  ): Promise<RemoteFetch> {
    if (down) return { status: 'unavailable' };
    const key = generationKey(input);
    const name = remoteNames.sidecar(key);
    try {
      const raw = await backend.get(name);
      if (!raw) return { status: 'miss' };
      const checked = checkRemoteSidecar(key, raw);
      if ('reason' in checked) return { status: 'rejected', reason: checked.reason, name };
      const { sidecar } = checked;
      const imageName = remoteNames.image(sidecar);
      await fetchOptions.beforeImage?.(sidecar);
      const bytes = await backend.get(imageName);
      if (!bytes) return { status: 'rejected', reason: 'its image is missing', name: imageName };
      const problem =
        checkRemoteImage(sidecar, bytes) ??
        ((await needsPixels(sidecar, fetchOptions))
          ? await checkRemotePixels(sidecar, bytes)
          : undefined);
      if (problem) return { status: 'rejected', reason: problem, name: imageName };
      return { status: 'hit', sidecar, bytes };
    } catch (error) {
      markDown(error);
      return { status: 'unavailable' };
    }
  }

  /** A failure to tell (a local read) is no failure of the remote's: the pixels are checked. */
  async function needsPixels(sidecar: Sidecar, fetchOptions: RemoteFetchOptions) {
    try {
      return (await fetchOptions.needsPixels?.(sidecar)) ?? true;
    } catch {
      return true;
    }
  }

  /**
   * The image goes first, under a name that includes its hash, then the sidecar, which is
   * what readers look for: an entry is complete or absent. Two writers of one key (a lost
   * lease) upload two differently named images, and the first sidecar wins; a writer that
   * died between the two uploads leaves an unreferenced image, never a blocked key.
   */
  async function publish(sidecar: Sidecar, bytes: Uint8Array): Promise<RemotePublish> {
    if (options.readOnly) return 'read-only';
    if (down) return 'unavailable';
    try {
      await backend.create(remoteNames.image(sidecar), bytes, sidecar.mediaType);
      const json = new TextEncoder().encode(`${JSON.stringify(sidecar, null, 2)}\n`);
      const created = await backend.create(
        remoteNames.sidecar(sidecar.key),
        json,
        'application/json',
      );
      return created ? 'written' : 'exists';
    } catch (error) {
      markDown(error);
      return 'unavailable';
    }
  }

  async function lease(
    key: string,
    waitOptions: { signal?: AbortSignal | undefined; onWait?: () => void } = {},
  ): Promise<RemoteLease | 'read-only' | 'unavailable'> {
    // A read-only build must not make a trusted one wait, nor can its credentials write.
    if (options.readOnly) return 'read-only';
    let waited = false;
    for (;;) {
      if (down) return 'unavailable';
      waitOptions.signal?.throwIfAborted();
      let handle: RemoteLeaseHandle | undefined;
      try {
        handle = await backend.tryLease(key, options.leaseTtlMs);
      } catch (error) {
        markDown(error);
        return 'unavailable';
      }
      if (handle) return hold(handle);
      if (!waited) {
        waited = true;
        waitOptions.onWait?.();
      }
      await sleep(
        options.pollMs,
        undefined,
        waitOptions.signal ? { signal: waitOptions.signal } : {},
      );
    }
  }

  /** Refreshes the lease while we generate; losing it only risks a second payment. */
  function hold(handle: RemoteLeaseHandle): RemoteLease {
    return keepAlive(
      () => handle.refresh(),
      options.leaseTtlMs,
      250,
      // Not marked down: an unreleased lease expires by itself.
      () => handle.release().catch(() => {}),
    );
  }

  return {
    label: backend.label,
    readOnly: options.readOnly,
    fetch,
    publish,
    lease,
    async keys() {
      if (down) return undefined;
      try {
        const names = await backend.list();
        return new Set(names.flatMap((name) => remoteNames.keyOfSidecar(name) ?? []));
      } catch (error) {
        markDown(error);
        return undefined;
      }
    },
    close: () => backend.close().catch(() => {}),
  };
}

/** A lease not refreshed for this long is abandoned (its holder refreshes every third of it). */
const LEASE_TTL_MS = 30_000;
const LEASE_POLL_MS = 250;

/** The remote cache a site's settings describe, over its store's backend. */
export function openRemote(
  settings: RemoteSettings,
  env: NodeJS.ProcessEnv,
  onUnavailable?: (error: HeaderforgeError) => void,
): RemoteCache {
  const backend = openBackend(settings.location, { env, timeoutMs: settings.timeoutMs });
  return createRemoteCache(backend, {
    readOnly: settings.readOnly,
    timeoutMs: settings.timeoutMs,
    leaseTtlMs: LEASE_TTL_MS,
    pollMs: LEASE_POLL_MS,
    ...(onUnavailable ? { onUnavailable } : {}),
  });
}
