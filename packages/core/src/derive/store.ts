import { readFileSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { childPath } from '../files/child-path.js';
import { syncDirectory, syncFile, writeFileDurably } from '../files/durable.js';
import { isMissing } from '../files/missing.js';
import type { DerivedSet } from './derived-set.js';
import {
  fromManifest,
  MANIFEST_FILE,
  type Manifest,
  manifestEntries,
  parseManifest,
  toManifest,
} from './manifest.js';
import { tempDirName } from './temp-dirs.js';

// The warm path lives here, and so nothing in this file may import sharp.

const KEY = /^[0-9a-f]{64}$/;

/** `<cacheDir>/<key[0..2]>/<key>`: sharded so no folder grows to thousands of entries. */
export function keyDirectory(cacheDir: string, key: string): string {
  if (!KEY.test(key)) {
    throw new HeaderforgeError('invalid_option', `"${key}" is not a derivative key.`, {
      hint: 'Pass a key made by derivativeKey().',
    });
  }
  return childPath(cacheDir, key.slice(0, 2), key);
}

/**
 * The set stored under `key`, if its manifest parses and every file it lists is there
 * at the listed size; `undefined` means "derive it" (missing, stale, torn or tampered).
 * File-system reads only.
 */
export async function readDerivedSet(
  cacheDir: string,
  key: string,
): Promise<DerivedSet | undefined> {
  const dir = keyDirectory(cacheDir, key);
  // Synchronous reads and stats: this runs for every post on every warm build, where a
  // thread-pool round trip per file costs more than the file-system call itself.
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw ioError(`Cannot read ${join(dir, MANIFEST_FILE)}.`, error);
  }
  const manifest = parseManifest(text, key);
  if (!manifest) return undefined;
  const intact = manifestEntries(manifest).every((entry) =>
    hasSize(join(dir, entry.file), entry.bytes),
  );
  return intact ? fromManifest(manifest, dir) : undefined;
}

/**
 * Makes the files derived into `tempDir` the set for `key`: flushes them, writes the
 * manifest last, then renames the folder into place, so a reader sees all of it or none.
 * If another process got there first, its set wins and ours is discarded; if what sits
 * there is stale or torn, it is set aside and ours takes its place.
 */
export async function publishDerivedSet(
  cacheDir: string,
  key: string,
  tempDir: string,
  files: Omit<DerivedSet, 'key'>,
): Promise<DerivedSet> {
  const finalDir = keyDirectory(cacheDir, key);
  const manifest = toManifest(key, files);
  await flushInto(tempDir, manifest);
  for (let attempt = 1; ; attempt += 1) {
    if (await renameIfFree(tempDir, finalDir)) {
      await syncDirectory(dirname(finalDir)).catch((error: unknown) => {
        throw ioError(`Cannot flush ${dirname(finalDir)}.`, error);
      });
      return fromManifest(manifest, finalDir);
    }
    const theirs = await readDerivedSet(cacheDir, key);
    if (theirs) {
      await rm(tempDir, { recursive: true, force: true });
      return theirs;
    }
    if (attempt === 3) {
      throw ioError(`Cannot replace the stale derived-image folder ${finalDir}.`, undefined);
    }
    await setAside(finalDir);
  }
}

async function flushInto(tempDir: string, manifest: Manifest): Promise<void> {
  try {
    await Promise.all(
      manifestEntries(manifest).map((entry) => syncFile(join(tempDir, entry.file))),
    );
    await writeFileDurably(join(tempDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await syncDirectory(tempDir);
  } catch (error) {
    throw ioError(`Cannot write the derived images in ${tempDir}.`, error);
  }
}

/** Renames `from` to `to`; false when `to` is already taken (the error differs by OS). */
async function renameIfFree(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    const taken = statSync(to, { throwIfNoEntry: false }) !== undefined;
    if (taken) return false;
    throw ioError(`Cannot move ${from} to ${to}.`, error);
  }
}

/** Moves an unusable set out of the way under a temp name, then deletes it. */
async function setAside(dir: string): Promise<void> {
  const aside = tempDirName(dir);
  try {
    await rename(dir, aside);
  } catch (error) {
    // Someone else moved it first: the path is free either way.
    if (isMissing(error)) return;
    throw ioError(`Cannot move the stale folder ${dir} aside.`, error);
  }
  await rm(aside, { recursive: true, force: true });
}

function hasSize(file: string, bytes: number): boolean {
  try {
    const info = statSync(file, { throwIfNoEntry: false });
    return info?.isFile() === true && info.size === bytes;
  } catch (error) {
    if (isMissing(error)) return false;
    throw ioError(`Cannot read ${file}.`, error);
  }
}

function ioError(message: string, cause: unknown): HeaderforgeError {
  return new HeaderforgeError('io', message, {
    hint: 'Check that the derived cache folder is readable and writable; it is regenerable, so deleting it is safe.',
    ...(cause === undefined ? {} : { cause }),
  });
}
