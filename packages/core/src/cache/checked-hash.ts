import { sha256Hex } from './keys.js';

/**
 * The hashes `checkRemoteImage` computed, by the bytes they are of: the store that adopts a
 * checked image asks here instead of hashing it a second time. Fetched bytes are the
 * fetch's own (nothing else holds them), so they cannot change in between.
 *
 * A module of its own, apart from the remote checks: the store, on every build's path,
 * imports this, and the checks bring the image-header parser (26 modules) that only a
 * read-through needs.
 */
const hashed = new WeakMap<Uint8Array, string>();

/** Records the sha256 a check computed for `bytes`. */
export function rememberSha256(bytes: Uint8Array, sha256: string): void {
  hashed.set(bytes, sha256);
}

/** The sha256 of `bytes`, computed once per array checked. */
export function checkedSha256(bytes: Uint8Array): string {
  return hashed.get(bytes) ?? sha256Hex(bytes);
}
