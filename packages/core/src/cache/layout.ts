import { join } from 'node:path';
import { IMAGE_EXTENSIONS, type ImageMediaType } from '../image/media-types.js';

/*
 * The one module that knows file and object names. Everything else asks it.
 *
 * The committed cache, `<cacheDir>/` (content-addressed, no shared manifest, so two
 * branches that add images never conflict in git):
 *   ab/<key>.json             the sidecar: what was paid for, and how
 *   ab/<key>.<ext>            the image, byte for byte as paid for
 *   ab/<key>-<k>.<ext>        candidate k (2–8) of the same prompt, listed in the same sidecar
 *   .locks/<key>.lock         a build generating <key> right now
 *   .quarantine/<key>-<ms>…/  entries set aside (corrupt, refused); never deleted
 *   .gitignore                keeps the two scratch folders and temp files out of git
 *
 * The regenerable cache, `<derivedCacheDir>/`:
 *   originals/verified/ab/<key>.json  "this image file had this hash" notes
 *   placeholders/                     offline art, laid out like the committed cache
 *   derived/                          derived sets (their own layout: derive/store.ts)
 *   cards/<kk>/<key>/<post>-og.jpg    title cards (derive/card-store.ts)
 *   pending/                          the stand-in a dev server shows until a header is made
 *   warm-index-<format>.json          what a warm build already knows (see warm-index.ts)
 *
 * A shared remote store, below its prefix:
 *   ab/<key>.json             the sidecar, byte for byte the local one
 *   ab/<key>.<sha256>.<ext>   the image, named by its hash too (see remote-cache.ts)
 */

const EXTENSIONS = Object.values(IMAGE_EXTENSIONS).join('|');
const KEY = '[0-9a-f]{64}';

/** A shard folder's name: the key's first two hex digits. */
export const SHARD_NAME = /^[0-9a-f]{2}$/;
/** An image file's name in the committed cache (an entry's first image, or a later candidate's). */
export const IMAGE_FILE_NAME = new RegExp(`^${KEY}(?:-[2-8])?\\.(?:${EXTENSIONS})$`);
const ENTRY_FILE = new RegExp(`^(${KEY})(?:-([2-8]))?\\.(json|${EXTENSIONS})$`);

const shardName = (key: string) => key.slice(0, 2);

/** `<key>.<ext>`: the name of an entry's image; `<key>-<k>.<ext>`: its candidate k. */
export function imageFileName(key: string, mediaType: ImageMediaType, candidate = 1): string {
  return `${key}${candidate > 1 ? `-${candidate}` : ''}.${IMAGE_EXTENSIONS[mediaType]}`;
}

/** The entry a file in a shard belongs to, and whether it is the sidecar; else undefined. */
export function entryFileOf(
  name: string,
): { key: string; sidecar: boolean; candidate?: number } | undefined {
  const match = ENTRY_FILE.exec(name);
  if (!match) return undefined;
  const candidate = match[2] === undefined ? undefined : Number(match[2]);
  // Candidates have no sidecar of their own: `<key>-2.json` is nobody's.
  if (candidate !== undefined && match[3] === 'json') return undefined;
  return {
    key: match[1] as string,
    sidecar: match[3] === 'json',
    ...(candidate === undefined ? {} : { candidate }),
  };
}

/** The files of an entry (`<key>.json`, `<key>.<ext>`) in its shard, by name. */
export function isEntryFile(name: string, key: string): boolean {
  return entryFileOf(name)?.key === key;
}

export interface CacheLayout {
  readonly dir: string;
  shard(key: string): string;
  sidecar(key: string): string;
  image(key: string, mediaType: ImageMediaType, candidate?: number): string;
  /** Every name an entry's image (or its candidate k) may have, with its type (for recovering an orphan). */
  imageCandidates(
    key: string,
    candidate?: number,
  ): Array<{ file: string; mediaType: ImageMediaType }>;
  readonly locks: string;
  lock(key: string): string;
  readonly quarantine: string;
  readonly gitignore: string;
}

export function cacheLayout(dir: string): CacheLayout {
  const shard = (key: string) => join(dir, shardName(key));
  return {
    dir,
    shard,
    sidecar: (key) => join(shard(key), `${key}.json`),
    image: (key, mediaType, candidate = 1) =>
      join(shard(key), imageFileName(key, mediaType, candidate)),
    imageCandidates: (key, candidate = 1) =>
      (Object.keys(IMAGE_EXTENSIONS) as ImageMediaType[]).map((mediaType) => ({
        file: join(shard(key), imageFileName(key, mediaType, candidate)),
        mediaType,
      })),
    locks: join(dir, '.locks'),
    lock: (key) => join(dir, '.locks', `${key}.lock`),
    quarantine: join(dir, '.quarantine'),
    gitignore: join(dir, '.gitignore'),
  };
}

/** What the committed cache's own `.gitignore` says: commit the folder, not its scratch space. */
export const CACHE_GITIGNORE =
  '# headerforge: commit this folder, not its scratch space\n.locks/\n.quarantine/\n.*.tmp-*\n';

export interface DerivedCacheLayout {
  /** Verification notes of committed images. */
  readonly verification: string;
  /** Offline art, a store of its own laid out like the committed cache. */
  readonly placeholders: string;
  /** Derived sets. */
  readonly derived: string;
  /** Title cards, a folder per card key (derive/card-store.ts). */
  readonly cards: string;
  /** The shared stand-in images of headers not made yet (derive/pending-set.ts). */
  readonly pending: string;
  /**
   * The warm index in a format: each format has a file of its own, so two versions of
   * headerforge sharing the cache (switching branches) do not overwrite each other's.
   */
  warmIndex(format: number): string;
  /** The warm index's file of whole headers, in a format (see `warm-index.ts`). */
  warmHeaders(format: number): string;
}

export function derivedCacheLayout(derivedCacheDir: string): DerivedCacheLayout {
  return {
    verification: join(derivedCacheDir, 'originals'),
    placeholders: join(derivedCacheDir, 'placeholders'),
    derived: join(derivedCacheDir, 'derived'),
    cards: join(derivedCacheDir, 'cards'),
    pending: join(derivedCacheDir, 'pending'),
    warmIndex: (format) =>
      join(derivedCacheDir, format === 1 ? 'warm-index.json' : `warm-index-${format}.json`),
    warmHeaders: (format) => join(derivedCacheDir, `warm-headers-${format}.json`),
  };
}

/** The verification note of `key` under a store's verification folder. */
export function verificationNote(verificationDir: string, key: string): string {
  return join(verificationDir, 'verified', shardName(key), `${key}.json`);
}

const REMOTE_SIDECAR = /^[0-9a-f]{2}\/([0-9a-f]{64})\.json$/;

/** Where an entry lives in a remote store. The image is named by its hash too: see `publish`. */
export const remoteNames = {
  sidecar: (key: string) => `${shardName(key)}/${key}.json`,
  image: (entry: { key: string; sha256: string; mediaType: ImageMediaType }) =>
    `${shardName(entry.key)}/${entry.key}.${entry.sha256}.${IMAGE_EXTENSIONS[entry.mediaType]}`,
  /** The key whose sidecar `name` is, or undefined for any other object. */
  keyOfSidecar: (name: string) => REMOTE_SIDECAR.exec(name)?.[1],
};
