import { closeSync, constants, lstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { HeaderforgeError } from '../errors/headerforge-error.js';

/*
 * Reads of a committed cache, which is shared content: nothing in it is trusted to point
 * elsewhere, so a symlink at the last component is reported, never followed.
 */

/** `lstat` that answers undefined for a missing (or unreadable) path. */
export function lstatQuiet(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** `readNoFollow` for small files (sidecars) on the warm path. */
export function readNoFollowSync(path: string): Buffer | 'missing' | 'symlink' {
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

/** Reads a whole file without following a symlink at its last component. */
export async function readNoFollow(path: string): Promise<Buffer | 'missing' | 'symlink'> {
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

function openFailure(path: string, error: unknown): 'missing' | 'symlink' {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'missing';
  if (code === 'ELOOP') return 'symlink';
  throw new HeaderforgeError('io', `Cannot read ${path}: ${(error as Error).message}`, {
    cause: error,
  });
}
