import { open } from 'node:fs/promises';

/** Flushes a file's bytes to disk, so a rename published after it never shows a hole. */
export async function syncFile(path: string): Promise<void> {
  // 'r+' rather than 'r': Windows refuses to flush a handle opened read-only.
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a whole file and flushes it before returning. */
export async function writeFileDurably(path: string, data: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** What some file systems answer when asked to flush (or open) a directory: not an I/O error. */
const DIRECTORY_SYNC_REFUSED: ReadonlySet<string> = new Set([
  'EINVAL',
  'ENOTSUP',
  'EOPNOTSUPP',
  'EPERM',
  'EACCES',
  'EBADF',
  'EISDIR',
]);

/**
 * Flushes a directory's entries (a new file's name, a rename) so that they survive a crash.
 * Windows cannot open a directory as a file (its renames are already durable in NTFS's
 * journal), and some file systems refuse to open or fsync one (the rename is still atomic
 * there): both are skipped. Any other failure, such as EIO, is thrown.
 */
export async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isRefusal(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isRefusal(error)) throw error;
  } finally {
    await handle.close();
  }
}

function isRefusal(error: unknown): boolean {
  return DIRECTORY_SYNC_REFUSED.has((error as NodeJS.ErrnoException)?.code ?? '');
}
