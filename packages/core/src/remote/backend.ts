/**
 * What headerforge needs from a shared store, and nothing more: read an object, create one
 * only if it does not exist (the store's own atomic create, so the first writer wins and
 * nothing is ever overwritten), list names, and hold a short-lived lease. One file per
 * store implements it (`s3-backend.ts`, `redis-backend.ts`); names are relative to the
 * store's prefix and use `/` as the separator.
 *
 * Every method may throw (a down, slow or misconfigured store); `remote-cache.ts` turns
 * that into a fallback. Every call is bounded by the backend's operation timeout.
 */
export interface RemoteBackend {
  /** The store's URL with nothing secret in it. */
  readonly label: string;
  /** The object's bytes, or undefined when there is no such object. */
  get(name: string): Promise<Uint8Array | undefined>;
  /** Creates the object if no object has that name: true if created, false if one existed. */
  create(name: string, bytes: Uint8Array, contentType: string): Promise<boolean>;
  /** Every object name below the prefix (leases excluded). */
  list(): Promise<string[]>;
  /**
   * Takes the lease `name` for `ttlMs`, or returns undefined when someone else holds an
   * unexpired one. A lease whose holder stopped refreshing it expires by itself.
   */
  tryLease(name: string, ttlMs: number): Promise<RemoteLeaseHandle | undefined>;
  close(): Promise<void>;
}

export interface RemoteLeaseHandle {
  /** Extends the lease by its TTL; false if it was lost (expired and taken by another). */
  refresh(): Promise<boolean>;
  /** Gives the lease up, only if it is still ours. */
  release(): Promise<void>;
}

/** Settings every backend honours. */
export interface BackendOptions {
  /** Longest any one call may take, connection included. */
  timeoutMs: number;
  /** Where credentials are read (AWS_*, REDIS_PASSWORD). */
  env: NodeJS.ProcessEnv;
}

/** Leases live beside the entries, in a folder of their own that `list` leaves out. */
export const LEASE_FOLDER = '.leases';
