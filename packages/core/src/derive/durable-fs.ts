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

/**
 * Flushes a directory's entries (a new file's name, a rename). Windows cannot open a
 * directory as a file, and its renames are already durable in NTFS's journal.
 */
export async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
