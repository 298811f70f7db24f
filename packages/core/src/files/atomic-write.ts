import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from './durable.js';
import { isProcessAlive } from './process-alive.js';

const TEMP_MARK = '.tmp-';

/**
 * Writes a file so that readers see either the old content or the whole new content:
 * a temp file in the same folder, fsynced, then renamed over the target (rename is atomic
 * within a file system), then the folder fsynced so the rename itself survives a crash.
 * `syncFolder: false` leaves that last step to the caller's next write in the same folder
 * (one folder fsync makes every rename in it durable): for a file that may be lost in a
 * crash, as long as it is never seen torn.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { syncFolder?: boolean } = {},
): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (options.syncFolder !== false) await syncDirectory(dirname(path));
}

/** Files to write in order: each a path and its bytes (or text, as UTF-8). */
export type FilesToWrite = ReadonlyArray<readonly [path: string, data: Uint8Array | string]>;

/**
 * Writes `files` one after another with `writeFileAtomic`, their folders not synced (see
 * `syncFolder`); stops at the first that fails.
 */
export async function writeFilesAtomic(files: FilesToWrite): Promise<void> {
  for (const [path, data] of files) await writeFileAtomic(path, data, { syncFolder: false });
}

/**
 * `writeFileAtomic` for a small file that may be lost in a crash (never seen torn), written
 * synchronously: each step of the async one is a thread-pool round trip, and on a busy machine
 * those, not the bytes, are what a dev server's first page waits for. The folder is not synced.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array): void {
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * This process's temp names: random once (another machine sharing the folder may have our
 * pid), then counted. A `randomBytes` call per name took ~20 ms of a 1,000-post read-through's
 * 2,000 writes.
 */
const tempNames = { prefix: '', count: 0 };

/** A temp file beside `path`, named for this process (see `removeOrphanTempFiles`). */
export function tempPathFor(path: string): string {
  // Drawn on first use: a warm build writes no file, and loads this module all the same.
  tempNames.prefix ||= randomBytes(4).toString('hex');
  const unique = `${tempNames.prefix}${(tempNames.count++).toString(16)}`;
  return join(dirname(path), `.${basename(path)}${TEMP_MARK}${process.pid}-${unique}`);
}

function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARK);
}

function tempOwnerPid(name: string): number | undefined {
  const match = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Removes temp files left by writers that died mid-write: those of processes no longer
 * alive, or older than `olderThanMs` (a writer on another machine sharing the folder).
 */
export async function removeOrphanTempFiles(
  dir: string,
  olderThanMs = 60 * 60 * 1000,
): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter(isTempFile)) {
    const path = join(dir, name);
    const pid = tempOwnerPid(name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    const orphaned =
      (pid !== undefined && pid !== process.pid && !isProcessAlive(pid)) ||
      Date.now() - info.mtimeMs > olderThanMs;
    if (orphaned) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
