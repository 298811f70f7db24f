import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeOrphanTempFiles } from '../files/atomic-write.js';
import { isProcessAlive } from '../files/process-alive.js';
import { keepAlive } from './keep-alive.js';

/**
 * A lock file per cache key, so that two builds on one cache (two terminals, parallel CI
 * jobs on one runner) pay once: the second waits for the first and reuses its image.
 *
 * Created with O_EXCL. The holder refreshes its mtime while it works; a lock whose holder
 * died (a dead pid on this host, or an mtime older than `staleMs`) is taken over.
 * Hand-written rather than a library because crash takeover must be immediate on this
 * host (pid check), not only after a staleness timeout.
 */
/** How long an unreadable lock file is given before it is treated as abandoned. */
const UNREADABLE_GRACE_MS = 2000;

export interface KeyLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** A lock not refreshed for this long is considered abandoned. Default 30 s. */
  staleMs?: number;
  /** How often a waiter looks again. Default 100 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called once when we start waiting for another holder. */
  onWait?: (holder: LockHolder | undefined) => void;
}

export interface LockHolder {
  pid: number;
  host: string;
  token: string;
  since: string;
}

export async function acquireKeyLock(path: string, options: LockOptions = {}): Promise<KeyLock> {
  const staleMs = options.staleMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    since: new Date().toISOString(),
  };
  await mkdir(dirname(path), { recursive: true });
  await removeOrphanTempFiles(dirname(path));
  let waited = false;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryCreate(path, me)) return holdLock(path, me, staleMs);
    const holder = await readHolder(path);
    if (await isAbandoned(path, holder, staleMs)) {
      await breakLock(path, holder);
      continue;
    }
    if (!waited) {
      waited = true;
      options.onWait?.(holder);
    }
    await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : {}).catch(() => {
      throw options.signal?.reason;
    });
  }
}

/**
 * Creates the lock with its content in one step: the content goes to a temp file that is
 * then hard-linked to the lock's name, which fails if the lock exists. A process killed
 * mid-way therefore never leaves an empty lock that names no holder.
 */
async function tryCreate(path: string, me: LockHolder): Promise<boolean> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${me.token}`);
  await writeFile(temp, JSON.stringify(me));
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Removes the locks in `dir` whose holder was a process of this host that is gone. A build
 * killed while it generated leaves its lock behind, and a later build that finds the image
 * cached never takes that key's lock again, so it would stay. Locks of live processes and
 * of other hosts (whose processes cannot be checked from here) are left alone. Returns how
 * many were removed.
 */
export async function removeDeadLocks(dir: string): Promise<number> {
  // Synchronously: every build lists this folder, nearly always empty, and a thread-pool
  // round trip (the first of a warm build's process: the pool is started for it) costs more.
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.lock')) continue;
    const path = join(dir, name);
    const holder = await readHolder(path);
    if (!holder || holder.host !== hostname() || holder.pid === process.pid) continue;
    if (isProcessAlive(holder.pid)) continue;
    await breakLock(path, holder);
    removed++;
  }
  if (names.length > 0) await removeOrphanTempFiles(dir);
  return removed;
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    // Missing (just released) or half-written (just created): neither is abandoned yet.
    return undefined;
  }
}

async function isAbandoned(
  path: string,
  holder: LockHolder | undefined,
  staleMs: number,
): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  if (
    holder &&
    holder.host === hostname() &&
    holder.pid !== process.pid &&
    !isProcessAlive(holder.pid)
  ) {
    return true;
  }
  // Locks are created whole (see tryCreate), so an unreadable one was damaged, not half-made.
  if (!holder && Date.now() - info.mtimeMs > UNREADABLE_GRACE_MS) return true;
  return Date.now() - info.mtimeMs > staleMs;
}

/**
 * Moves the abandoned lock aside before deleting it, and checks that what was moved is the
 * lock judged abandoned: if a live process re-created it in between, it is put back.
 */
async function breakLock(path: string, judged: LockHolder | undefined): Promise<void> {
  const aside = `${path}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke or released it first
  }
  const moved = await readHolder(aside);
  if (judged && moved && moved.token !== judged.token) {
    await rename(aside, path).catch(() => {});
    return;
  }
  await rm(aside, { force: true });
}

function holdLock(path: string, me: LockHolder, staleMs: number): KeyLock {
  return keepAlive(
    () => {
      const now = new Date();
      return utimes(path, now, now);
    },
    staleMs,
    1000,
    async () => {
      const holder = await readHolder(path);
      if (holder?.token === me.token) await rm(path, { force: true });
    },
  );
}
