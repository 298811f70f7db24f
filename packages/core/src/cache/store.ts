import { randomBytes } from 'node:crypto';
import { type Dirent, statSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { HeaderforgeError, isHeaderforgeError } from '../errors/headerforge-error.js';
import { removeOrphanTempFiles, writeFileAtomic, writeFilesAtomic } from '../files/atomic-write.js';
import { syncDirectory } from '../files/durable.js';
import type { FileWriter } from '../files/file-writer.js';
import { lstatQuiet, readNoFollow, readNoFollowSync } from '../files/no-follow.js';
import { BUILD_COMPACT_MAX_PIXELS, compactImage, type EncodeLimit } from '../image/compact.js';
import { readImageSize } from '../image/inspect.js';
import { type ImageMediaType, sniffImageType } from '../image/media-types.js';
import { checkedSha256 } from './checked-hash.js';
import {
  firstCandidateKey,
  type GenerationKeyInput,
  generationKey,
  isGenerationKey,
  sha256Hex,
} from './keys.js';
import {
  CACHE_GITIGNORE,
  cacheLayout,
  derivedCacheLayout,
  entryFileOf,
  imageFileName,
  isEntryFile,
  SHARD_NAME,
} from './layout.js';
import { acquireKeyLock, type KeyLock, type LockOptions } from './lock.js';
import {
  type CandidateRecord,
  candidateSidecar,
  type ImageRecord,
  type ReceivedRecord,
  type Sidecar,
  sidecarInput,
  sidecarSchema,
} from './sidecar.js';
import { readVerification, writeVerification } from './verification.js';
import type { Stamps, WarmIndex } from './warm-index.js';

export interface CachedImage {
  key: string;
  /** Absolute path of the image file. */
  file: string;
  sidecar: Sidecar;
}

export type LookupResult =
  | { status: 'hit'; entry: CachedImage }
  | { status: 'miss' }
  /** Set aside (moved to `.quarantine/`) and to be treated as a miss. */
  | { status: 'corrupt'; reason: string; movedTo: string };

export interface ImageToStore {
  bytes: Uint8Array;
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

/** An image file as stored: the received image, or its compact form and what was received. */
type StoredImage = Omit<ImageToStore, 'bytes'> & { received?: ReceivedRecord | undefined };

export interface StoreMetadata {
  placeholder: boolean;
  costUsd?: number | undefined;
  generationId?: string | undefined;
  usage?: { promptTokens?: number; completionTokens?: number; cost?: number } | undefined;
  /** The endpoint that made the image. */
  transport?: 'images' | 'chat' | undefined;
  /** The upstream provider that served it, when the answer said. */
  servedBy?: string | undefined;
  sources: string[];
  /** Offline art: what it shows besides its key (`placeholderArtOf`). */
  art?: string | undefined;
  /** When the image was made, if not now: an image made elsewhere keeps its own time. */
  created?: string | undefined;
}

/** An entry as found on disk by `list`, whether or not it verifies. */
export interface StoredEntry {
  key: string;
  /** Absolute paths of the entry's files, the sidecar first when there is one. */
  files: string[];
  /** Their total size. */
  bytes: number;
  /** The sidecar's path; absent for an image without one (a crash between two writes). */
  sidecarFile?: string;
  /** The sidecar is a symlink (never followed). */
  sidecarIsLink?: boolean;
  /** The shard folder the files were found in (an entry filed under another key's shard is never looked up). */
  shard: string;
}

export interface StoreListing {
  /** False when the cache folder does not exist yet. */
  exists: boolean;
  entries: StoredEntry[];
  /** Shards that are not folders or cannot be read, one sentence each. */
  problems: string[];
}

export interface ImageStore {
  readonly dir: string;
  lookup(input: GenerationKeyInput): Promise<LookupResult>;
  /**
   * The hit the warm index knows unchanged (a few stats, nothing read), at once; undefined
   * when `lookup` has to look.
   */
  recall(input: GenerationKeyInput): LookupResult | undefined;
  read(entry: CachedImage): Promise<Uint8Array>;
  /**
   * Saves a paid image and its sidecar. `landed` is called once the bytes as received are
   * on disk, before a compact encode: from then on a crash costs nothing.
   */
  persist(
    input: GenerationKeyInput,
    image: ImageToStore,
    meta: StoreMetadata,
    landed?: () => void,
  ): Promise<CachedImage>;
  /**
   * Writes an entry made elsewhere (the shared remote cache) with its sidecar as it was,
   * image first. The caller has verified both; the sidecar must name its own file. A first
   * candidate's two files are written by `writer` when one is given (off the main thread).
   */
  adopt(sidecar: Sidecar, bytes: Uint8Array, writer?: FileWriter): Promise<CachedImage>;
  /**
   * The entry `adopt` makes of a first candidate's `sidecar`, without writing anything: for
   * a caller that lets the write finish later (see `TieredStoreOptions.writeBehind`).
   */
  adoptedEntry(sidecar: Sidecar): CachedImage;
  /**
   * Makes the entries `adopt` wrote since the last call survive a crash: one flush per
   * folder they went into. Until then a crash may lose one (the remote still has it), never
   * show it torn.
   */
  flush(): Promise<void>;
  lock(key: string, options?: LockOptions): Promise<KeyLock>;
  /**
   * Keeps the bytes of a paid-for image that could not be used in `.quarantine/`, beside a
   * note of why: nothing paid is thrown away. Resolves with the folder, as messages show it.
   */
  keepRejected(key: string, bytes: Uint8Array, reason: string): Promise<string>;
  /** Every entry on disk, sorted by key; reads no image. Throws when the folder cannot be read. */
  list(): Promise<StoreListing>;
  /** A listed entry's sidecar, parsed through its schema, or why it cannot be. */
  readSidecar(entry: StoredEntry): Promise<{ sidecar: Sidecar } | { problem: string }>;
  /** Why a listed entry does not verify (as `lookup` judges it), or undefined when it does. */
  check(entry: StoredEntry): Promise<string | undefined>;
  /** Deletes a listed entry: its sidecar first, so an interruption leaves an orphan image, which a lookup recovers. */
  remove(entry: StoredEntry): Promise<void>;
}

export interface ImageStoreOptions {
  /**
   * Where to remember which entries were already hashed (a regenerable cache). With it, a
   * warm lookup reads the sidecar and stats the image instead of hashing megabytes.
   */
  verificationDir?: string;
  /** Shown in messages instead of absolute paths. */
  root?: string;
  /** Report corrupt entries without moving them, and recover nothing (for `status`). */
  readOnly?: boolean;
  /**
   * Check an image by its size against its sidecar, without hashing it (`doctor --quick`):
   * catches a truncated or swapped file, not a same-sized edit.
   */
  sizesOnly?: boolean;
  /**
   * The store of offline art: its entries are placeholders, and only placeholders (in the
   * committed cache a placeholder is refused). Default false.
   */
  placeholders?: boolean;
  /**
   * Remembers verified entries by their files' size and mtime, so a warm lookup is two
   * stats. Not for `doctor`, which must read every byte.
   */
  warmIndex?: WarmIndex;
  /**
   * Store a received PNG compactly (see `image/compact.ts`), recording the received bytes'
   * hash, size and type in the sidecar. Not for placeholders. Default false.
   */
  compact?: boolean;
  /** Where compact encodes wait for memory (the pipeline's pixel budget); default: at once. */
  encodeLimit?: EncodeLimit;
}

/**
 * The content-addressed image cache; `layout.ts` says where each file goes. No shared
 * manifest, so two branches that add images never conflict in git.
 */
export function openImageStore(dir: string, options: ImageStoreOptions = {}): ImageStore {
  const show = (path: string) => (options.root ? relative(options.root, path) : path);
  const layout = cacheLayout(dir);
  const holdsPlaceholders = options.placeholders === true;
  const warmSection = holdsPlaceholders ? 'placeholders' : 'originals';

  /**
   * A scratch folder of the cache (`.quarantine`, `.locks`), made when missing. A link there
   * (a committed cache is shared content) would send our writes outside the project: refused.
   */
  async function scratchDir(path: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    await mkdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    const info = await lstat(path);
    if (!info.isDirectory()) {
      const what = info.isSymbolicLink() ? 'a symlink' : 'not a folder';
      throw new HeaderforgeError(
        'cache_corrupt',
        `${show(path)} is ${what}: headerforge never writes through links or over files`,
        {
          hint: `Delete ${show(path)}; headerforge makes it again, as a folder, when it needs it.`,
        },
      );
    }
    return path;
  }

  async function quarantine(key: string, reason: string): Promise<LookupResult> {
    if (options.readOnly) return { status: 'corrupt', reason, movedTo: '' };
    const target = join(await scratchDir(layout.quarantine), `${key}-${uniqueStamp()}`);
    await mkdir(target, { recursive: true });
    const shard = layout.shard(key);
    for (const name of await readdir(shard).catch(() => [] as string[])) {
      // Later candidates stay: they were paid for, and are listed again once the entry is made again.
      if (isEntryFile(name, key) && entryFileOf(name)?.candidate === undefined)
        await rename(join(shard, name), join(target, name)).catch(() => {});
    }
    return { status: 'corrupt', reason, movedTo: show(target) };
  }

  async function lookup(input: GenerationKeyInput): Promise<LookupResult> {
    const candidate = input.candidate ?? 1;
    return candidate > 1 ? lookupCandidate(input, candidate) : lookupFirst(input);
  }

  function recall(input: GenerationKeyInput): LookupResult | undefined {
    const index = options.warmIndex;
    if (!index) return undefined;
    const key = generationKey(input);
    if ((input.candidate ?? 1) > 1) {
      // The image's path within the cache folder: a copy of the site finds its own.
      const known = index.recall<{ sidecar: Sidecar; file: string }>(warmSection, key);
      return (
        known && {
          status: 'hit',
          entry: { key, file: join(dir, known.file), sidecar: known.sidecar },
        }
      );
    }
    const known = index.recall<Sidecar>(warmSection, key);
    return (
      known && {
        status: 'hit',
        entry: { key, file: join(layout.shard(key), known.file), sidecar: known },
      }
    );
  }

  /** An entry's first image: the whole entry, as before candidates. */
  async function lookupFirst(input: GenerationKeyInput): Promise<LookupResult> {
    const known = recall(input);
    if (known) return known;
    const key = generationKey(input);
    const shard = layout.shard(key);
    const sidecarPath = layout.sidecar(key);
    const index = options.warmIndex;
    const sidecarStamps = index?.stamp([sidecarPath]);

    // The warm path, taken once per post on every build: small reads and stats, done
    // synchronously (a thread-pool round trip per call costs more than the call itself).
    const shardInfo = lstatQuiet(shard);
    if (!shardInfo) return { status: 'miss' };
    if (!shardInfo.isDirectory()) return quarantineShard(shard);

    const raw = readNoFollowSync(sidecarPath);
    if (raw === 'missing') return recoverOrphan(key, input);
    if (raw === 'symlink') return quarantine(key, `${show(sidecarPath)} is a symlink`);
    let sidecar: Sidecar;
    try {
      sidecar = parseSidecar(raw);
    } catch {
      return quarantine(key, `${show(sidecarPath)} is not a valid headerforge sidecar`);
    }
    return judgeFirst(key, sidecar, sidecarStamps);
  }

  /** An entry's parsed sidecar against its key, and its image against the sidecar. */
  async function judgeFirst(
    key: string,
    sidecar: Sidecar,
    sidecarStamps?: Stamps,
  ): Promise<LookupResult> {
    const shard = layout.shard(key);
    const sidecarPath = layout.sidecar(key);
    const index = options.warmIndex;
    if (sidecar.key !== key || generationKey(sidecarInput(sidecar)) !== key) {
      return quarantine(
        key,
        `${show(sidecarPath)} describes a different prompt or model than its key`,
      );
    }
    if (sidecar.placeholder !== holdsPlaceholders) {
      return quarantine(
        key,
        holdsPlaceholders
          ? `${show(sidecarPath)} is not a placeholder, in the placeholder cache`
          : `${show(sidecarPath)} is a placeholder in the committed cache`,
      );
    }
    const ownFile = imageFileName(key, sidecar.mediaType);
    if (sidecar.file !== ownFile) {
      return quarantine(
        key,
        `${show(sidecarPath)} names ${sidecar.file}, not its own image ${ownFile}`,
      );
    }
    const file = join(shard, sidecar.file);
    const imageStamps = index?.stamp([file]);
    const problem = await verifyImageFile(file, sidecar);
    if (problem) return quarantine(key, problem);
    if (sidecarStamps && imageStamps) {
      index?.remember(warmSection, key, [...sidecarStamps, ...imageStamps], sidecar);
    }
    return { status: 'hit', entry: { key, file, sidecar } };
  }

  /**
   * Candidate k of a prompt: a file of the prompt's entry, listed in its sidecar. Found as a
   * sidecar of its own (see `candidateSidecar`). A listed file that is missing is a miss (it
   * is made again); one that does not match its hash is set aside alone; a file the sidecar
   * does not list yet (a crash between the two writes) is paid for, so it is recovered.
   */
  async function lookupCandidate(
    input: GenerationKeyInput,
    candidate: number,
  ): Promise<LookupResult> {
    const known = recall(input);
    if (known) return known;
    const key = generationKey(input);
    const firstInput = { ...input, candidate: undefined };
    const index = options.warmIndex;
    const base = generationKey(firstInput);
    const stamps = index?.stamp([layout.sidecar(base)]);
    const first = await firstOfEntry(base, firstInput);
    // A bad first image is reported (and set aside) by its own lookup, once.
    if (first.status !== 'hit') return { status: 'miss' };
    const record = first.entry.sidecar.candidates?.find((entry) => entry.candidate === candidate);
    if (!record) return recoverCandidate(input, first.entry, candidate);
    const file = join(layout.shard(base), record.file);
    if (record.file !== imageFileName(base, record.mediaType, candidate)) {
      return quarantineCandidate(
        key,
        file,
        `${show(layout.sidecar(base))} names ${record.file} for candidate ${candidate}`,
      );
    }
    const sidecar = candidateSidecar(first.entry.sidecar, record, key);
    if (!lstatQuiet(file)) return { status: 'miss' };
    const imageStamps = index?.stamp([file]);
    const problem = await verifyImageFile(file, sidecar);
    if (problem) return quarantineCandidate(key, file, problem);
    if (stamps && imageStamps)
      index?.remember(warmSection, key, [...stamps, ...imageStamps], {
        sidecar,
        file: relative(dir, file),
      });
    return { status: 'hit', entry: { key, file, sidecar } };
  }

  // A read-only store (the commands that inspect the cache) moves nothing, so an entry's
  // first image, hashed once, is not hashed again for each of its candidates.
  const firstImages = options.readOnly ? new Map<string, Promise<LookupResult>>() : undefined;
  function firstOfEntry(base: string, input: GenerationKeyInput): Promise<LookupResult> {
    if (!firstImages) return lookupFirst(input);
    let found = firstImages.get(base);
    if (!found) {
      found = lookupFirst(input);
      firstImages.set(base, found);
    }
    return found;
  }

  /** A candidate's file alone is set aside; the entry's other images stay. */
  async function quarantineCandidate(
    key: string,
    file: string,
    reason: string,
  ): Promise<LookupResult> {
    if (options.readOnly) return { status: 'corrupt', reason, movedTo: '' };
    const target = join(await scratchDir(layout.quarantine), `${key}-${uniqueStamp()}`);
    await mkdir(target, { recursive: true });
    await rename(file, join(target, basename(file))).catch(() => {});
    return { status: 'corrupt', reason, movedTo: show(target) };
  }

  /** Candidate k's file without its line in the sidecar: a crash between the two writes. */
  async function recoverCandidate(
    input: GenerationKeyInput,
    first: CachedImage,
    candidate: number,
  ): Promise<LookupResult> {
    const base = first.key;
    for (const { file, mediaType } of layout.imageCandidates(base, candidate)) {
      const bytes = await readNoFollow(file);
      if (bytes === 'missing') continue;
      const key = generationKey(input);
      if (bytes === 'symlink') return quarantineCandidate(key, file, `${show(file)} is a symlink`);
      if (sniffImageType(bytes) !== mediaType)
        return quarantineCandidate(key, file, `${show(file)} is not a ${mediaType} image`);
      if (options.readOnly) return { status: 'miss' };
      const { width, height } = await readImageSize(bytes);
      if (!width || !height)
        return quarantineCandidate(key, file, `${show(file)} cannot be decoded`);
      const entry = await addCandidate(
        input,
        candidate,
        file,
        bytes,
        { mediaType, width, height },
        { placeholder: first.sidecar.placeholder, sources: [] },
        true,
      );
      return { status: 'hit', entry };
    }
    return { status: 'miss' };
  }

  async function verifyImageFile(file: string, sidecar: Sidecar): Promise<string | undefined> {
    const info = lstatQuiet(file);
    if (!info) return `${show(file)} is missing`;
    if (info.isSymbolicLink() || !info.isFile()) return `${show(file)} is not a regular file`;
    if (info.size !== sidecar.bytes)
      return `${show(file)} has ${info.size} bytes, its sidecar says ${sidecar.bytes}`;
    if (options.sizesOnly) return undefined;
    if (options.verificationDir) {
      const memo = await readVerification(options.verificationDir, sidecar.key);
      if (
        memo &&
        memo.sha256 === sidecar.sha256 &&
        memo.size === info.size &&
        memo.mtimeMs === Math.round(info.mtimeMs)
      ) {
        return undefined;
      }
    }
    const bytes = await readNoFollow(file);
    if (typeof bytes === 'string') return `${show(file)} cannot be read safely (${bytes})`;
    if (sha256Hex(bytes) !== sidecar.sha256)
      return `${show(file)} does not match the hash in its sidecar`;
    if (options.verificationDir) {
      await writeVerification(options.verificationDir, sidecar.key, {
        sha256: sidecar.sha256,
        size: info.size,
        mtimeMs: Math.round(info.mtimeMs),
      });
    }
    return undefined;
  }

  /**
   * An image without its sidecar means a crash between the two writes. The bytes were paid
   * for: keep them, and write the sidecar now from what the key stands for.
   */
  async function recoverOrphan(key: string, input: GenerationKeyInput): Promise<LookupResult> {
    if (options.readOnly) return { status: 'miss' };
    for (const { file, mediaType } of layout.imageCandidates(key)) {
      const bytes = await readNoFollow(file);
      if (bytes === 'missing') continue;
      if (bytes === 'symlink') return quarantine(key, `${show(file)} is a symlink`);
      if (sniffImageType(bytes) !== mediaType)
        return quarantine(key, `${show(file)} is not a ${mediaType} image`);
      const { width, height } = await readImageSize(bytes);
      if (!width || !height) return quarantine(key, `${show(file)} cannot be decoded`);
      const entry = await writeSidecar(
        input,
        file,
        bytes,
        { mediaType, width, height },
        {
          placeholder: holdsPlaceholders,
          sources: [],
        },
        true,
      );
      return { status: 'hit', entry };
    }
    return { status: 'miss' };
  }

  async function quarantineShard(shard: string): Promise<LookupResult> {
    if (options.readOnly)
      return { status: 'corrupt', reason: `${show(shard)} is not a folder`, movedTo: '' };
    const target = join(await scratchDir(layout.quarantine), `shard-${Date.now()}`);
    await rename(shard, target);
    return { status: 'corrupt', reason: `${show(shard)} is not a folder`, movedTo: show(target) };
  }

  async function persist(
    input: GenerationKeyInput,
    image: ImageToStore,
    meta: StoreMetadata,
    landed?: () => void,
  ): Promise<CachedImage> {
    const { bytes: received, ...size } = image;
    const candidate = input.candidate ?? 1;
    const base = firstCandidateKey(input);
    const shard = layout.shard(base);
    await ensureShard(shard);
    if (candidate === 1) await removeOrphanTempFiles(shard);
    const file = layout.image(base, image.mediaType, candidate);
    // The paid bytes land first, as received: a crash after this line costs nothing (see
    // recoverOrphan and recoverCandidate, which keep them as received).
    await writeFileAtomic(file, received);
    landed?.();
    const compact = await compactForm(image);
    let stored: { file: string; bytes: Uint8Array; image: StoredImage } = {
      file,
      bytes: received,
      image: size,
    };
    if (compact) {
      // Then the compact file, which no sidecar names yet (a crash here leaves the received
      // file for recovery, and a stray that the next write or `headerforge compact` replaces).
      stored = { ...compact, file: layout.image(base, compact.image.mediaType, candidate) };
      await writeFileAtomic(stored.file, stored.bytes);
    }
    const entry =
      candidate > 1
        ? await addCandidate(input, candidate, stored.file, stored.bytes, stored.image, meta, false)
        : // The candidates the entry lists stay listed: each is its own image, with its own
          // record (offline art redrawn for an edited title checks each candidate's in turn).
          await queued(base, () =>
            writeSidecar(
              input,
              stored.file,
              stored.bytes,
              stored.image,
              meta,
              false,
              listedCandidates(base),
            ),
          );
    // Only once the sidecar names the compact file and records what was received does the
    // received file go (a crash before this leaves it beside the entry, as `compact` would).
    if (compact) await rm(file, { force: true });
    if (candidate === 1) {
      // Known good, as written: the next start recalls it without hashing it again.
      const stamps = options.warmIndex?.stamp([layout.sidecar(base), stored.file]);
      if (stamps) options.warmIndex?.remember(warmSection, base, stamps, entry.sidecar);
    }
    return entry;
  }

  /** The compact form of a received image, when the store compacts and it is a PNG. */
  async function compactForm(
    image: ImageToStore,
  ): Promise<{ bytes: Uint8Array; image: StoredImage } | undefined> {
    if (!options.compact || holdsPlaceholders) return undefined;
    const compact = await compactImage(image.bytes, image.mediaType, {
      size: image,
      ...(options.encodeLimit ? { limit: options.encodeLimit } : {}),
      maxPixels: BUILD_COMPACT_MAX_PIXELS,
    });
    if (!compact) return undefined;
    return {
      bytes: compact.bytes,
      image: {
        width: image.width,
        height: image.height,
        mediaType: compact.mediaType,
        received: {
          sha256: sha256Hex(image.bytes),
          bytes: image.bytes.byteLength,
          mediaType: image.mediaType,
        },
      },
    };
  }

  async function writeSidecar(
    input: GenerationKeyInput,
    file: string,
    bytes: Uint8Array,
    image: StoredImage,
    meta: StoreMetadata,
    recovered: boolean,
    candidates?: Sidecar['candidates'],
  ): Promise<CachedImage> {
    const key = generationKey(input);
    const sidecar: Sidecar = {
      schema: 1,
      key,
      provider: input.provider,
      placeholder: meta.placeholder,
      prompt: input.prompt,
      model: input.model,
      aspectRatio: input.aspectRatio,
      imageSize: input.imageSize,
      seed: input.seed ?? null,
      ...(input.references?.length ? { references: [...input.references] } : {}),
      ...(input.candidate !== undefined && input.candidate > 1
        ? { candidate: input.candidate }
        : {}),
      ...imageRecord(imageFileName(key, image.mediaType), bytes, image, meta, recovered),
      ...(candidates?.length ? { candidates } : {}),
    };
    return saveSidecar(file, sidecar);
  }

  /** The candidates the sidecar of `key` lists, when there is a valid one of that key. */
  function listedCandidates(key: string): Sidecar['candidates'] {
    const raw = readNoFollowSync(layout.sidecar(key));
    if (typeof raw === 'string') return undefined;
    try {
      const sidecar = parseSidecar(raw);
      return sidecar.key === key ? sidecar.candidates : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Lists candidate k in its entry's sidecar, after its file is written. The entry's first
   * image must be there: a prompt's candidates are made in order (see the pipeline). Writes
   * to one sidecar are queued within this process, so candidates saved together are all kept.
   */
  function addCandidate(
    input: GenerationKeyInput,
    candidate: number,
    file: string,
    bytes: Uint8Array,
    image: StoredImage,
    meta: StoreMetadata,
    recovered: boolean,
  ): Promise<CachedImage> {
    const firstInput = { ...input, candidate: undefined };
    const base = generationKey(firstInput);
    return queued(base, async () => {
      const first = await lookupFirst(firstInput);
      if (first.status !== 'hit') {
        throw new HeaderforgeError(
          'cache_corrupt',
          `candidate ${candidate} of ${show(layout.sidecar(base))} was saved, but the entry's first image is not there to list it`,
          {
            hint: 'Build again: the first image is made again, and the candidate file is found and kept.',
          },
        );
      }
      const record: CandidateRecord = {
        candidate,
        ...imageRecord(
          imageFileName(base, image.mediaType, candidate),
          bytes,
          image,
          meta,
          recovered,
        ),
      };
      const others = (first.entry.sidecar.candidates ?? []).filter(
        (c) => c.candidate !== candidate,
      );
      const sidecar: Sidecar = {
        ...first.entry.sidecar,
        candidates: [...others, record].sort((a, b) => a.candidate - b.candidate),
      };
      await saveSidecar(first.entry.file, sidecar);
      const key = generationKey(input);
      const own = candidateSidecar(sidecar, record, key);
      if (options.verificationDir) {
        const info = await stat(file);
        await writeVerification(options.verificationDir, key, {
          sha256: record.sha256,
          size: info.size,
          mtimeMs: Math.round(info.mtimeMs),
        });
      }
      return { key, file, sidecar: own };
    });
  }

  const sidecarQueues = new Map<string, Promise<unknown>>();
  function queued<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = sidecarQueues.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => {},
      () => {},
    );
    sidecarQueues.set(key, settled);
    // The last write of a key takes its queue with it: a long build keeps no queue per key.
    void settled.then(() => {
      if (sidecarQueues.get(key) === settled) sidecarQueues.delete(key);
    });
    return next;
  }

  async function saveSidecar(
    file: string,
    sidecar: Sidecar,
    { note = true, ...write }: { syncFolder?: boolean; note?: boolean } = {},
  ): Promise<CachedImage> {
    const { key } = sidecar;
    await writeFileAtomic(layout.sidecar(key), sidecarText(sidecar), write);
    if (note) await noteVerified(file, sidecar);
    return { key, file, sidecar };
  }

  /** Notes an entry just written as verified, where the store keeps notes. */
  async function noteVerified(file: string, sidecar: Sidecar): Promise<void> {
    if (!options.verificationDir) return;
    // Synchronous, as the note's write: once per image saved or read through.
    const info = statSync(file);
    await writeVerification(options.verificationDir, sidecar.key, {
      sha256: sidecar.sha256,
      size: info.size,
      mtimeMs: Math.round(info.mtimeMs),
    });
  }

  /**
   * A shard that adopted entries go into, checked and swept of dead writers' temp files once
   * per store: a read-through writes hundreds of entries at once, a few into each shard, and
   * checking the cache folder and the shard for each of them queued thousands of file calls.
   */
  const readyShards = new Map<string, Promise<void>>();
  function readyShard(shard: string): Promise<void> {
    let ready = readyShards.get(shard);
    if (!ready) {
      ready = (async () => {
        await ensureShard(shard);
        await removeOrphanTempFiles(shard);
      })();
      // A failure is not remembered: the next entry for this shard tries (and reports) again.
      ready.catch(() => readyShards.delete(shard));
      readyShards.set(shard, ready);
    }
    return ready;
  }

  /**
   * An adopted entry's folder is flushed by `flush`, once for all the entries a build read
   * through into it (a folder flush per entry was a thousand for a thousand posts): a crash
   * before then loses a copy the remote still has, never a paid image, and shows no torn
   * file (both were fsynced before their renames).
   */
  async function adopt(
    sidecar: Sidecar,
    bytes: Uint8Array,
    writer?: FileWriter,
  ): Promise<CachedImage> {
    const { key } = sidecar;
    if (!isGenerationKey(key) || sidecar.file !== imageFileName(key, sidecar.mediaType))
      throw new Error(`Not an entry headerforge can store: ${sidecar.file}`);
    if (sidecar.placeholder || checkedSha256(bytes) !== sidecar.sha256)
      throw new Error(`Refusing to store an unverified entry for ${key}`);
    const input = sidecarInput(sidecar);
    const candidate = input.candidate ?? 1;
    if (candidate > 1) {
      // A candidate made elsewhere joins its prompt's entry here, as if saved here.
      const base = firstCandidateKey(input);
      await readyShard(layout.shard(base));
      const file = layout.image(base, sidecar.mediaType, candidate);
      await writeFileAtomic(file, bytes, { syncFolder: false });
      return addCandidate(
        input,
        candidate,
        file,
        bytes,
        sidecar,
        {
          placeholder: false,
          costUsd: sidecar.costUsd ?? undefined,
          generationId: sidecar.generationId ?? undefined,
          usage: sidecar.usage ?? undefined,
          transport: sidecar.transport,
          servedBy: sidecar.servedBy,
          sources: sidecar.sources,
          created: sidecar.created,
        },
        false,
      );
    }
    const shard = layout.shard(key);
    await readyShard(shard);
    const entry = adoptedEntry(sidecar);
    const { file, sidecar: own } = entry;
    // With a warm index, the entry is remembered there as verified (its bytes were just
    // checked against the sidecar and written by us): no verification note, a file fewer to
    // create for each of the hundreds of entries a read-through writes.
    const index = options.warmIndex;
    const files = [
      [file, bytes],
      [layout.sidecar(key), sidecarText(own)],
    ] as const;
    await (writer ? writer.write(files) : writeFilesAtomic(files));
    if (!index) await noteVerified(file, own);
    const stamps = index?.stamp([layout.sidecar(key), file]);
    if (stamps) index?.remember(warmSection, key, stamps, own);
    unflushed.add(shard);
    return entry;
  }

  function adoptedEntry(sidecar: Sidecar): CachedImage {
    const { key } = sidecar;
    // The other candidates' files are not here: each is listed when it arrives.
    const { candidates: _elsewhere, ...own } = sidecar;
    return { key, file: layout.image(key, sidecar.mediaType), sidecar: own };
  }

  const unflushed = new Set<string>();
  async function flush(): Promise<void> {
    const folders = [...unflushed];
    unflushed.clear();
    await Promise.all(folders.map((folder) => syncDirectory(folder)));
  }

  // The cache's .gitignore is put back once per store (a build), not once per image: one
  // promise, so that a read-through's hundreds of writes at once do not each make it.
  let cacheFolder: Promise<void> | undefined;
  async function ensureShard(shard: string): Promise<void> {
    cacheFolder ??= (async () => {
      await mkdir(dir, { recursive: true });
      await writeFile(layout.gitignore, CACHE_GITIGNORE, { flag: 'wx' }).catch(() => {});
    })().catch((error: unknown) => {
      cacheFolder = undefined;
      throw error;
    });
    await cacheFolder;
    await mkdir(shard, { recursive: true });
    const info = await lstat(shard);
    if (!info.isDirectory()) {
      throw new HeaderforgeError(
        'cache_corrupt',
        `${show(shard)} in the headerforge cache is not a folder`,
        {
          hint: `Move ${show(shard)} out of the way; headerforge never writes through links.`,
        },
      );
    }
  }

  async function keepRejected(key: string, bytes: Uint8Array, reason: string): Promise<string> {
    if (!isGenerationKey(key)) throw new Error(`Not a cache key: ${key}`);
    const target = join(await scratchDir(layout.quarantine), `${key}-${uniqueStamp()}-rejected`);
    await mkdir(target, { recursive: true });
    const mediaType = sniffImageType(bytes);
    await writeFileAtomic(
      join(target, mediaType ? imageFileName(key, mediaType) : `${key}.bin`),
      bytes,
    );
    await writeFileAtomic(join(target, 'reason.txt'), `${reason}\n`);
    return show(target);
  }

  async function list(): Promise<StoreListing> {
    let shards: Dirent[];
    try {
      shards = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { exists: false, entries: [], problems: [] };
      throw new HeaderforgeError('io', `cannot read ${show(dir)}: ${(error as Error).message}`, {
        cause: error,
        hint: 'Make the cache folder readable by this user, or point the cacheDir option elsewhere.',
      });
    }
    const entries = new Map<string, StoredEntry>();
    const problems: string[] = [];
    for (const shard of shards.filter((entry) => SHARD_NAME.test(entry.name))) {
      const path = join(dir, shard.name);
      if (!shard.isDirectory()) {
        problems.push(`${show(path)} is not a folder`);
        continue;
      }
      let files: Dirent[];
      try {
        files = await readdir(path, { withFileTypes: true });
      } catch (error) {
        problems.push(`cannot read ${show(path)}: ${(error as Error).message}`);
        continue;
      }
      for (const file of files) {
        const of = entryFileOf(file.name);
        if (!of) continue;
        const full = join(path, file.name);
        // By shard too: the same key filed in two shards is two entries, one of them misfiled.
        const id = `${shard.name}/${of.key}`;
        const entry = entries.get(id) ?? { key: of.key, files: [], bytes: 0, shard: path };
        // Synchronous: one awaited stat per file made listing 20,000 files take seconds.
        const size = lstatQuiet(full)?.size ?? 0;
        entry.bytes += size;
        if (of.sidecar) {
          entry.sidecarFile = full;
          entry.files.unshift(full);
          if (file.isSymbolicLink()) entry.sidecarIsLink = true;
        } else entry.files.push(full);
        entries.set(id, entry);
      }
    }
    return {
      exists: true,
      entries: [...entries.values()].sort(
        (a, b) => compare(a.key, b.key) || compare(a.shard, b.shard),
      ),
      problems,
    };
  }

  async function readSidecar(
    entry: StoredEntry,
  ): Promise<{ sidecar: Sidecar } | { problem: string }> {
    if (!entry.sidecarFile) return { problem: `${entry.key} has no sidecar` };
    const shown = show(entry.sidecarFile);
    // Synchronous, like the lookup's: `doctor` and `prune` read every sidecar of the cache, and
    // four thread-pool round trips per small file made a 10,000-entry check wait on them.
    let raw: ReturnType<typeof readNoFollowSync> | Error;
    try {
      raw = readNoFollowSync(entry.sidecarFile);
    } catch (error) {
      raw = error as Error;
    }
    if (raw instanceof Error) return { problem: `cannot read ${shown}: ${raw.message}` };
    if (raw === 'missing') return { problem: `${shown} disappeared while checking` };
    if (raw === 'symlink') return { problem: `${shown} is a symlink` };
    try {
      return { sidecar: parseSidecar(raw) };
    } catch {
      return { problem: `${shown} is not a valid headerforge sidecar` };
    }
  }

  async function check(entry: StoredEntry): Promise<string | undefined> {
    if (!entry.sidecarFile) return `${entry.key} has no sidecar`;
    const shown = show(entry.sidecarFile);
    if (entry.sidecarIsLink) return `${shown} is a symlink`;
    // A key is looked up in its own shard only: an entry filed elsewhere is never found.
    if (entry.shard !== layout.shard(entry.key))
      return `${shown} is in the wrong folder for its key`;
    const read = await readSidecar(entry);
    if ('problem' in read) return read.problem;
    const input = sidecarInput(read.sidecar);
    try {
      // The sidecar just read is judged as a lookup would judge it, without reading it again;
      // that includes a sidecar whose content hashes to another key (a lookup would look for
      // it elsewhere).
      const found = await judgeFirst(entry.key, read.sidecar);
      if (found.status !== 'hit') {
        return found.status === 'corrupt' ? found.reason : `${shown} disappeared while checking`;
      }
      // Every candidate the sidecar lists, hashed like the first image.
      for (const { candidate, file } of read.sidecar.candidates ?? []) {
        const other = await lookup({ ...input, candidate });
        if (other.status === 'corrupt') return other.reason;
        if (other.status === 'miss')
          return `${show(join(entry.shard, file))}, candidate ${candidate} in ${shown}, is missing`;
      }
      return undefined;
    } catch (error) {
      if (isHeaderforgeError(error)) return error.message;
      throw error;
    }
  }

  async function remove(entry: StoredEntry): Promise<void> {
    // `files` lists the sidecar first: an image without one is recovered, never the reverse.
    for (const file of entry.files) await rm(file, { force: true });
    await rmdir(entry.shard).catch(() => {});
  }

  return {
    dir,
    lookup,
    recall,
    keepRejected,
    async read(entry) {
      const bytes = await readNoFollow(entry.file);
      if (typeof bytes === 'string') {
        throw new HeaderforgeError(
          'cache_corrupt',
          `${show(entry.file)} disappeared or became a link while building`,
        );
      }
      return bytes;
    },
    persist,
    adopt,
    adoptedEntry,
    flush,
    async lock(key, lockOptions) {
      if (!isGenerationKey(key)) throw new Error(`Not a cache key: ${key}`);
      await scratchDir(layout.locks);
      return acquireKeyLock(layout.lock(key), lockOptions);
    },
    list,
    readSidecar,
    check,
    remove,
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Where a site's two caches are (the resolved options carry them). */
export interface CacheDirs {
  root: string;
  cacheDir: string;
  derivedCacheDir: string;
}

/**
 * The site's committed cache. `trusted`: lookups use the verification notes and the warm
 * index in the derived cache, so an unchanged image is not hashed again (builds); without
 * it every byte is hashed (the commands that inspect the cache).
 */
export function openCommittedStore(
  dirs: CacheDirs,
  options: {
    readOnly?: boolean;
    trusted?: boolean;
    sizesOnly?: boolean;
    warmIndex?: WarmIndex | undefined;
    /** Store received PNGs compactly (the `original: 'compact'` option). */
    compact?: boolean;
    encodeLimit?: EncodeLimit;
  } = {},
): ImageStore {
  return openImageStore(dirs.cacheDir, {
    root: dirs.root,
    ...(options.compact ? { compact: true } : {}),
    ...(options.encodeLimit ? { encodeLimit: options.encodeLimit } : {}),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(options.sizesOnly ? { sizesOnly: true } : {}),
    ...(options.trusted
      ? { verificationDir: derivedCacheLayout(dirs.derivedCacheDir).verification }
      : {}),
    ...(options.warmIndex ? { warmIndex: options.warmIndex } : {}),
  });
}

/** Offline art, kept in the regenerable cache and never in the committed one. */
export function openPlaceholderStore(
  dirs: CacheDirs,
  options: { readOnly?: boolean; warmIndex?: WarmIndex | undefined } = {},
): ImageStore {
  return openImageStore(derivedCacheLayout(dirs.derivedCacheDir).placeholders, {
    root: dirs.root,
    placeholders: true,
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(options.warmIndex ? { warmIndex: options.warmIndex } : {}),
  });
}

/** What a sidecar records of one image file: the bytes as paid for, and their bill. */
function imageRecord(
  file: string,
  bytes: Uint8Array,
  image: StoredImage,
  meta: StoreMetadata,
  recovered: boolean,
): ImageRecord {
  return {
    file,
    mediaType: image.mediaType,
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    width: image.width,
    height: image.height,
    ...(image.received ? { received: image.received } : {}),
    created: meta.created ?? new Date().toISOString(),
    costUsd: meta.costUsd ?? null,
    generationId: meta.generationId ?? null,
    usage: meta.usage ?? null,
    ...(meta.transport === undefined ? {} : { transport: meta.transport }),
    ...(meta.servedBy === undefined ? {} : { servedBy: meta.servedBy }),
    sources: [...meta.sources].sort(),
    ...(recovered ? { recovered: true } : {}),
    ...(meta.art === undefined ? {} : { art: meta.art }),
  };
}

/** A folder name part no two set-asides share, even within one millisecond. */
function uniqueStamp(): string {
  return `${Date.now()}-${randomBytes(3).toString('hex')}`;
}

/** A sidecar as its file holds it. */
const sidecarText = (sidecar: Sidecar) => `${JSON.stringify(sidecar, null, 2)}\n`;

/** A sidecar file's bytes as a sidecar; throws when they are not JSON or not a valid one. */
const parseSidecar = (raw: Buffer): Sidecar =>
  sidecarSchema.parse(JSON.parse(raw.toString('utf8')));
