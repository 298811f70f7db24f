import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { isMissing } from '../files/missing.js';

// `<key>.tmp-<pid>-<random>`: never a key on its own, so readers, which only look for
// `<key>/manifest.json`, cannot mistake one for a set.
const TEMP_DIR = /^[0-9a-f]{64}\.tmp-\d+-[0-9a-f]+$/;
const SHARD = /^[0-9a-f]{2}$/;

/** A fresh name beside `finalDir` (same file system, so the rename is atomic). */
export function tempDirName(finalDir: string): string {
  return `${finalDir}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Creates a temp dir beside `finalDir` (and the shard folder if needed). */
export async function makeTempDir(finalDir: string): Promise<string> {
  const dir = tempDirName(finalDir);
  try {
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(dir);
  } catch (cause) {
    throw new HeaderforgeError('io', `Cannot create the derived-image folder ${dir}.`, {
      hint: 'Check that the derived cache folder is writable (it is regenerable: deleting it is safe).',
      cause,
    });
  }
  return dir;
}

/**
 * Deletes the temp dirs that a killed build left behind, once they are older than
 * `olderThanMs` (a dir's time moves while files are written into it, so pick a threshold
 * longer than one derivation, e.g. an hour). Returns the paths removed.
 */
export async function removeStaleTempDirs(
  cacheDir: string,
  olderThanMs: number,
): Promise<string[]> {
  const removed: string[] = [];
  const now = Date.now();
  for (const shard of await listDir(cacheDir)) {
    if (!SHARD.test(shard)) continue;
    for (const name of await listDir(join(cacheDir, shard))) {
      if (!TEMP_DIR.test(name)) continue;
      const path = join(cacheDir, shard, name);
      try {
        const { mtimeMs } = await stat(path);
        if (now - mtimeMs < olderThanMs) continue;
        await rm(path, { recursive: true, force: true });
      } catch (error) {
        // Gone already: another process cleaned it up or published it first.
        if (isMissing(error)) continue;
        throw cacheFolderError(path, error);
      }
      removed.push(path);
    }
  }
  return removed;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw cacheFolderError(dir, error);
  }
}

function cacheFolderError(path: string, cause: unknown): HeaderforgeError {
  return new HeaderforgeError('io', `Cannot clean up the derived-image cache at ${path}.`, {
    hint: 'Check its permissions, or delete the folder: it is regenerated on the next build.',
    cause,
  });
}
