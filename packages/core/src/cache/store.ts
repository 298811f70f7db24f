import { closeSync, constants, lstatSync, openSync, readFileSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { HeaderforgeError } from '../errors.js';
import { type GenerationKeyInput, generationKey, isGenerationKey, sha256Hex } from '../keys.js';
import { sniffImageType } from '../openrouter/image-data.js';
import type { WarmIndex } from '../warm-index.js';
import { removeOrphanTempFiles, writeFileAtomic } from './atomic-write.js';
import { acquireKeyLock, type KeyLock, type LockOptions } from './lock.js';
import { IMAGE_EXTENSIONS, type Sidecar, sidecarSchema } from './sidecar.js';
import { readVerification, writeVerification } from './verification.js';

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
  mediaType: keyof typeof IMAGE_EXTENSIONS;
  width: number;
  height: number;
}

export interface StoreMetadata {
  placeholder: boolean;
  costUsd?: number | undefined;
  generationId?: string | undefined;
  usage?: { promptTokens?: number; completionTokens?: number } | undefined;
  sources: string[];
}

export interface ImageStore {
  readonly dir: string;
  lookup(input: GenerationKeyInput): Promise<LookupResult>;
  read(entry: CachedImage): Promise<Uint8Array>;
  persist(
    input: GenerationKeyInput,
    image: ImageToStore,
    meta: StoreMetadata,
  ): Promise<CachedImage>;
  /**
   * Writes an entry made elsewhere (the shared remote cache) with its sidecar as it was,
   * image first. The caller has verified both; the sidecar must name its own file.
   */
  adopt(sidecar: Sidecar, bytes: Uint8Array): Promise<CachedImage>;
  lock(key: string, options?: LockOptions): Promise<KeyLock>;
  /**
   * Keeps the bytes of a paid-for image that could not be used in `.quarantine/`, beside a
   * note of why: nothing paid is thrown away. Resolves with the folder, as messages show it.
   */
  keepRejected(key: string, bytes: Uint8Array, reason: string): Promise<string>;
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
   * Remembers verified entries by their files' size and mtime, so a warm lookup is two
   * stats. Not for `doctor`, which must read every byte.
   */
  warmIndex?: WarmIndex;
}

const GITIGNORE =
  '# headerforge: commit this folder, not its scratch space\n.locks/\n.quarantine/\n.*.tmp-*\n';

/**
 * The content-addressed image cache: `<dir>/<key[0..2]>/<key>.<ext>` plus `<key>.json`.
 * No shared manifest, so two branches that add images never conflict in git.
 */
export function openImageStore(dir: string, options: ImageStoreOptions = {}): ImageStore {
  const show = (path: string) => (options.root ? relative(options.root, path) : path);
  const shardOf = (key: string) => join(dir, key.slice(0, 2));
  const sidecarPath = (key: string) => join(shardOf(key), `${key}.json`);

  /**
   * A scratch folder of the cache (`.quarantine`, `.locks`), made when missing. A link there
   * (a committed cache is shared content) would send our writes outside the project: refused.
   */
  async function scratchDir(name: string): Promise<string> {
    const path = join(dir, name);
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
    const target = join(await scratchDir('.quarantine'), `${key}-${Date.now()}`);
    await mkdir(target, { recursive: true });
    const shard = shardOf(key);
    for (const name of await readdir(shard).catch(() => [] as string[])) {
      if (name.startsWith(`${key}.`))
        await rename(join(shard, name), join(target, name)).catch(() => {});
    }
    return { status: 'corrupt', reason, movedTo: show(target) };
  }

  async function lookup(input: GenerationKeyInput): Promise<LookupResult> {
    const key = generationKey(input);
    const shard = shardOf(key);
    const index = options.warmIndex;
    const known = index?.recall<Sidecar>('originals', key);
    if (known)
      return { status: 'hit', entry: { key, file: join(shard, known.file), sidecar: known } };
    const sidecarStamps = index?.stamp([sidecarPath(key)]);

    // The warm path, taken once per post on every build: small reads and stats, done
    // synchronously (a thread-pool round trip per call costs more than the call itself).
    const shardInfo = lstatQuiet(shard);
    if (!shardInfo) return { status: 'miss' };
    if (!shardInfo.isDirectory()) return quarantineShard(shard);

    const raw = readNoFollowSync(sidecarPath(key));
    if (raw === 'missing') return recoverOrphan(key, input);
    if (raw === 'symlink') return quarantine(key, `${show(sidecarPath(key))} is a symlink`);
    let sidecar: Sidecar;
    try {
      sidecar = sidecarSchema.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      return quarantine(key, `${show(sidecarPath(key))} is not a valid headerforge sidecar`);
    }
    if (sidecar.key !== key || generationKey(sidecarInput(sidecar)) !== key) {
      return quarantine(
        key,
        `${show(sidecarPath(key))} describes a different prompt or model than its key`,
      );
    }
    if (sidecar.placeholder)
      return quarantine(key, `${show(sidecarPath(key))} is a placeholder in the committed cache`);
    const ownFile = `${key}.${IMAGE_EXTENSIONS[sidecar.mediaType]}`;
    if (sidecar.file !== ownFile) {
      return quarantine(
        key,
        `${show(sidecarPath(key))} names ${sidecar.file}, not its own image ${ownFile}`,
      );
    }
    const file = join(shard, sidecar.file);
    const imageStamps = index?.stamp([file]);
    const problem = await verifyImageFile(file, sidecar);
    if (problem) return quarantine(key, problem);
    if (sidecarStamps && imageStamps) {
      index?.remember('originals', key, [...sidecarStamps, ...imageStamps], sidecar);
    }
    return { status: 'hit', entry: { key, file, sidecar } };
  }

  async function verifyImageFile(file: string, sidecar: Sidecar): Promise<string | undefined> {
    const info = lstatQuiet(file);
    if (!info) return `${show(file)} is missing`;
    if (info.isSymbolicLink() || !info.isFile()) return `${show(file)} is not a regular file`;
    if (info.size !== sidecar.bytes)
      return `${show(file)} has ${info.size} bytes, its sidecar says ${sidecar.bytes}`;
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
    const shard = shardOf(key);
    for (const [mediaType, ext] of Object.entries(IMAGE_EXTENSIONS)) {
      const file = join(shard, `${key}.${ext}`);
      const bytes = await readNoFollow(file);
      if (bytes === 'missing') continue;
      if (bytes === 'symlink') return quarantine(key, `${show(file)} is a symlink`);
      if (sniffImageType(bytes) !== mediaType)
        return quarantine(key, `${show(file)} is not a ${mediaType} image`);
      const { width, height } = await imageSize(bytes);
      if (!width || !height) return quarantine(key, `${show(file)} cannot be decoded`);
      const entry = await writeSidecar(
        input,
        file,
        bytes,
        { mediaType: mediaType as ImageToStore['mediaType'], width, height },
        {
          placeholder: false,
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
    const target = join(await scratchDir('.quarantine'), `shard-${Date.now()}`);
    await rename(shard, target);
    return { status: 'corrupt', reason: `${show(shard)} is not a folder`, movedTo: show(target) };
  }

  async function persist(
    input: GenerationKeyInput,
    image: ImageToStore,
    meta: StoreMetadata,
  ): Promise<CachedImage> {
    const key = generationKey(input);
    const shard = shardOf(key);
    await ensureShard(shard);
    await removeOrphanTempFiles(shard);
    const file = join(shard, `${key}.${IMAGE_EXTENSIONS[image.mediaType]}`);
    // The paid bytes land first: a crash after this line costs nothing (see recoverOrphan).
    await writeFileAtomic(file, image.bytes);
    return writeSidecar(input, file, image.bytes, image, meta, false);
  }

  async function writeSidecar(
    input: GenerationKeyInput,
    file: string,
    bytes: Uint8Array,
    image: Omit<ImageToStore, 'bytes'>,
    meta: StoreMetadata,
    recovered: boolean,
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
      file: `${key}.${IMAGE_EXTENSIONS[image.mediaType]}`,
      mediaType: image.mediaType,
      sha256: sha256Hex(bytes),
      bytes: bytes.byteLength,
      width: image.width,
      height: image.height,
      created: new Date().toISOString(),
      costUsd: meta.costUsd ?? null,
      generationId: meta.generationId ?? null,
      usage: meta.usage ?? null,
      sources: [...meta.sources].sort(),
      ...(recovered ? { recovered: true } : {}),
    };
    return saveSidecar(file, sidecar);
  }

  async function saveSidecar(file: string, sidecar: Sidecar): Promise<CachedImage> {
    const { key } = sidecar;
    await writeFileAtomic(sidecarPath(key), `${JSON.stringify(sidecar, null, 2)}\n`);
    if (options.verificationDir) {
      const info = await stat(file);
      await writeVerification(options.verificationDir, key, {
        sha256: sidecar.sha256,
        size: info.size,
        mtimeMs: Math.round(info.mtimeMs),
      });
    }
    return { key, file, sidecar };
  }

  async function adopt(sidecar: Sidecar, bytes: Uint8Array): Promise<CachedImage> {
    const { key } = sidecar;
    if (!isGenerationKey(key) || sidecar.file !== `${key}.${IMAGE_EXTENSIONS[sidecar.mediaType]}`)
      throw new Error(`Not an entry headerforge can store: ${sidecar.file}`);
    if (sidecar.placeholder || sha256Hex(bytes) !== sidecar.sha256)
      throw new Error(`Refusing to store an unverified entry for ${key}`);
    const shard = shardOf(key);
    await ensureShard(shard);
    await removeOrphanTempFiles(shard);
    const file = join(shard, sidecar.file);
    await writeFileAtomic(file, bytes);
    return saveSidecar(file, sidecar);
  }

  async function ensureShard(shard: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' }).catch(() => {});
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
    const target = join(await scratchDir('.quarantine'), `${key}-${Date.now()}-rejected`);
    await mkdir(target, { recursive: true });
    const mediaType = sniffImageType(bytes);
    const ext = mediaType ? IMAGE_EXTENSIONS[mediaType] : 'bin';
    await writeFileAtomic(join(target, `${key}.${ext}`), bytes);
    await writeFileAtomic(join(target, 'reason.txt'), `${reason}\n`);
    return show(target);
  }

  return {
    dir,
    lookup,
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
    async lock(key, lockOptions) {
      if (!isGenerationKey(key)) throw new Error(`Not a cache key: ${key}`);
      return acquireKeyLock(join(await scratchDir('.locks'), `${key}.lock`), lockOptions);
    },
  };
}

export function sidecarInput(sidecar: Sidecar): GenerationKeyInput {
  return {
    provider: sidecar.provider,
    prompt: sidecar.prompt,
    model: sidecar.model,
    aspectRatio: sidecar.aspectRatio as GenerationKeyInput['aspectRatio'],
    imageSize: sidecar.imageSize as GenerationKeyInput['imageSize'],
    seed: sidecar.seed ?? undefined,
  };
}

/** Reads a file without following a symlink at its last component. */
function lstatQuiet(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** `readNoFollow` for small files (sidecars) on the warm path. */
function readNoFollowSync(path: string): Buffer | 'missing' | 'symlink' {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    return openFailure(path, error);
  }
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function openFailure(path: string, error: unknown): 'missing' | 'symlink' {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'missing';
  if (code === 'ELOOP') return 'symlink';
  throw new HeaderforgeError('io', `Cannot read ${path}: ${(error as Error).message}`, {
    cause: error,
  });
}

async function readNoFollow(path: string): Promise<Buffer | 'missing' | 'symlink'> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    return openFailure(path, error);
  }
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function imageSize(
  bytes: Uint8Array,
): Promise<{ width?: number | undefined; height?: number | undefined }> {
  const { default: sharp } = await import('sharp');
  return sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => ({}));
}
